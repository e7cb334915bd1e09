import CampaignLabData
import CampaignLabWarehouse
import Foundation

/// Where a command reads: a SQLite file (`--db FILE`, or `--backend sqlite:FILE`) or a remote
/// engine (`--backend postgres://USER@HOST:PORT/DATABASE`), always read-only.
enum DataSource {
    /// The help text of `--backend`.
    static let backendHelp =
        "Where the data are instead of --db: sqlite:FILE, or postgres://USER@HOST:PORT/DATABASE[?schema=NAME] (a PostgreSQL-wire warehouse; the password comes from PGPASSWORD). The engine aggregates; only small results come back."

    /// Opens the engine `--db` or `--backend` names (exactly one of them).
    /// - Returns: the engine and the name the report gives its source.
    static func open(db: String?, backend: String?) throws -> (engine: any QueryEngine, name: String) {
        switch (db, backend) {
        case (let db?, nil):
            return (try SQLiteDatabase.open(readOnlyAt: db), URL(fileURLWithPath: db).lastPathComponent)
        case (nil, let backend?):
            if backend.hasPrefix("sqlite:") {
                let path = String(backend.dropFirst("sqlite:".count))
                return (try SQLiteDatabase.open(readOnlyAt: path), URL(fileURLWithPath: path).lastPathComponent)
            }
            if backend.hasPrefix("postgres://") || backend.hasPrefix("postgresql://") {
                let engine = try PostgresEngine.connect(backend)
                return (engine, engine.location)
            }
            if backend.hasPrefix("spark://") || backend.hasPrefix("sc://") {
                throw DataError.engine(
                    name: "Spark", location: backend,
                    message: "the Spark Connect backend is not built yet (issue 16); use sqlite: or postgres://")
            }
            throw DataError.engine(
                name: "--backend", location: backend.count > 60 ? String(backend.prefix(60)) + "…" : backend,
                message: "not an engine CampaignLab knows; give sqlite:FILE or postgres://USER@HOST:PORT/DATABASE")
        case (.some, .some):
            throw DataError.engine(name: "--db and --backend", location: "the command line", message: "give one of them, not both")
        case (nil, nil):
            throw DataError.engine(
                name: "--db or --backend", location: "the command line", message: "name the data: --db FILE or --backend URL")
        }
    }
}
