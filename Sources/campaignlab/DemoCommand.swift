import ArgumentParser

// Shell created with the package skeleton; the `demo` capability replaces it.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", abstract: "(in progress)")

    func run() throws {
        throw ValidationError("'campaignlab demo' is not built yet.")
    }
}
