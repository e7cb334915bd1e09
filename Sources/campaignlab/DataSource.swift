import CampaignLabData
import CampaignLabWarehouse
import Foundation

/// Where a command reads: a SQLite file (`--db FILE`, or `--backend sqlite:FILE`) or a remote
/// engine (`--backend postgres://USER@HOST:PORT/DATABASE`, `--backend sc://HOST:PORT`), always read-only.
enum DataSource {
    /// The help text of `--backend`.
    static let backendHelp =
        "Where the data are instead of --db: sqlite:FILE; postgres://USER@HOST:PORT/DATABASE[?schema=NAME] (a PostgreSQL-wire warehouse; the password comes from PGPASSWORD); sc://HOST:PORT[?parquet=DIR|database=NAME] (a Spark cluster through Spark Connect). The engine aggregates; only small results come back."

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
                let engine = try SparkEngine.connect(backend)
                return (engine, engine.location)
            }
            throw DataError.engine(
                name: "--backend", location: redactedURL(backend),
                message: "not an engine CampaignLab knows; give sqlite:FILE, postgres://USER@HOST:PORT/DATABASE or sc://HOST:PORT")
        case (.some, .some):
            throw DataError.engine(name: "--db and --backend", location: "the command line", message: "give one of them, not both")
        case (nil, nil):
            throw DataError.engine(
                name: "--db or --backend", location: "the command line", message: "name the data: --db FILE or --backend URL")
        }
    }
}
