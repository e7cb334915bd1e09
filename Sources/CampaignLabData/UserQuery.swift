/// A notebook's SQL block prepared for a remote engine: its named parameters (`:name`, `@name`,
/// `$name`, as SQLite reads them) turned into the `?` a `QueryEngine` binds, and the text
/// checked to be one query that only reads. (On SQLite the library does both:
/// `SQLiteDatabase.prepareReadOnlyQuery`.) Quotes, quoted names and comments are skipped;
/// PostgreSQL's `::type` casts are not parameters.
public struct UserQuery: Sendable, Equatable {
    /// The text with `?` for each parameter, without a trailing `;`.
    public var sql: String
    /// The parameters' names, in the order of their `?`.
    public var parameters: [String]

    /// Words that make a statement write or change the session; refused as words outside
    /// quotes and comments (a function such as `replace(` is not the word).
    /// (The first word must start a query: a statement that is not one — SET, CALL, ANALYZE … —
    /// is refused by that; these are the words that can follow a WITH.)
    static let refusedWords: Set<String> = [
        "INSERT", "UPDATE", "DELETE", "MERGE", "DROP", "CREATE", "ALTER", "TRUNCATE", "GRANT", "REVOKE",
    ]

    /// - Throws: `DataError.refusedQuery` for a statement that is not one read-only query, a
    ///   `?` parameter, or an unterminated quote or comment.
    public init(_ text: String) throws {
        let bytes = Array(text.utf8)
        var out: [UInt8] = [], parameters: [String] = []
        var words: [String] = []
        var i = 0, statementEnded = false
        func isWordByte(_ b: UInt8) -> Bool {
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b >= 0x80
        }
        func copyQuoted(_ quote: UInt8, what: String) throws {
            let start = i
            i += 1
            while i < bytes.count {
                if bytes[i] == quote {
                    // A doubled quote is the quote itself.
                    if i + 1 < bytes.count && bytes[i + 1] == quote {
                        i += 2
                        continue
                    }
                    i += 1
                    out += bytes[start..<i]
                    return
                }
                // Spark reads a backslash in a string as an escape.
                if bytes[i] == UInt8(ascii: "\\") && quote == UInt8(ascii: "'") { i += 1 }
                i += 1
            }
            throw DataError.refusedQuery(reason: "\(what) is not closed")
        }
        while i < bytes.count {
            let b = bytes[i]
            let next: UInt8? = i + 1 < bytes.count ? bytes[i + 1] : nil
            if statementEnded && !(b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 || b == UInt8(ascii: ";")) {
                // Anything but a comment after the first statement's `;` is a second statement.
                if !(b == UInt8(ascii: "-") && next == UInt8(ascii: "-")) && !(b == UInt8(ascii: "/") && next == UInt8(ascii: "*")) {
                    throw DataError.refusedQuery(reason: "the block holds more than one statement; give one query")
                }
            }
            switch b {
            case UInt8(ascii: "'"): try copyQuoted(b, what: "a string")
            case UInt8(ascii: "\""): try copyQuoted(b, what: "a quoted name")
            case UInt8(ascii: "`"): try copyQuoted(b, what: "a quoted name")
            case UInt8(ascii: "-") where next == UInt8(ascii: "-"):
                while i < bytes.count && bytes[i] != 0x0A { i += 1 }
                out.append(0x20)
            case UInt8(ascii: "/") where next == UInt8(ascii: "*"):
                var j = i + 2
                while j + 1 < bytes.count && !(bytes[j] == UInt8(ascii: "*") && bytes[j + 1] == UInt8(ascii: "/")) { j += 1 }
                guard j + 1 < bytes.count else { throw DataError.refusedQuery(reason: "a /* comment */ is not closed") }
                i = j + 2
                out.append(0x20)
            case UInt8(ascii: ";"):
                statementEnded = true
                i += 1
            case UInt8(ascii: "?"):
                throw DataError.refusedQuery(reason: "use named parameters (:name) in SQL blocks, not '?'")
            case UInt8(ascii: ":") where next == UInt8(ascii: ":"):
                out += [b, b]
                i += 2
            case UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "$"):
                var j = i + 1
                while j < bytes.count && isWordByte(bytes[j]) { j += 1 }
                let name = String(decoding: bytes[(i + 1)..<j], as: UTF8.self)
                guard let first = name.unicodeScalars.first, first.properties.isAlphabetic || first == "_" else {
                    out.append(b)
                    i += 1
                    continue
                }
                parameters.append(name)
                out.append(UInt8(ascii: "?"))
                i = j
            default:
                if isWordByte(b) && (i == 0 || !isWordByte(bytes[i - 1])) {
                    var j = i
                    while j < bytes.count && isWordByte(bytes[j]) { j += 1 }
                    var k = j
                    while k < bytes.count && (bytes[k] == 0x20 || bytes[k] == 0x09 || bytes[k] == 0x0A || bytes[k] == 0x0D) { k += 1 }
                    let word = String(decoding: bytes[i..<j], as: UTF8.self).uppercased()
                    if k >= bytes.count || bytes[k] != UInt8(ascii: "(") { words.append(word) }
                    out += bytes[i..<j]
                    i = j
                } else {
                    out.append(b)
                    i += 1
                }
            }
        }
        guard let first = words.first, ["SELECT", "WITH", "VALUES", "TABLE"].contains(first) else {
            throw DataError.refusedQuery(reason: "an SQL block on a warehouse must be one query (SELECT or WITH … SELECT)")
        }
        if let word = words.first(where: Self.refusedWords.contains) {
            throw DataError.refusedQuery(reason: "the statement would \(word.lowercased()): SQL blocks only read")
        }
        sql = String(decoding: out, as: UTF8.self)
        while let last = sql.last, last.isWhitespace { sql.removeLast() }
        self.parameters = parameters
    }
}
