import CampaignLabData

/// Creates an SQLite file at `path` by running `sql` (one or more statements).
public func makeDatabase(at path: String, sql: String) throws {
    let db = try SQLiteDatabase(path: path, mode: .readWrite(create: true))
    try db.execute(sql)
}

/// Every row of `table` as text, ordered by all columns: a fingerprint of its content.
public func tableContent(_ db: SQLiteDatabase, _ table: String) throws -> [[SQLiteValue]] {
    let count = try db.columns(of: table).count
    let order = (1...max(count, 1)).map(String.init).joined(separator: ", ")
    return try db.rows("SELECT * FROM \(quoteIdentifier(table)) ORDER BY \(order)")
}
