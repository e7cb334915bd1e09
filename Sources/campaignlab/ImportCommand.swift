import ArgumentParser

// Shell created with the package skeleton; the `import` capability replaces it.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import", abstract: "(in progress)")

    func run() throws {
        throw ValidationError("'campaignlab import' is not built yet.")
    }
}
