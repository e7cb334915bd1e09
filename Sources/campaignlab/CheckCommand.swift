import ArgumentParser

// Shell created with the package skeleton; the `check` capability replaces it.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "(in progress)")

    func run() throws {
        throw ValidationError("'campaignlab check' is not built yet.")
    }
}
