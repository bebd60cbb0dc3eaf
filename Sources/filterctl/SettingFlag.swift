import ArgumentParser
import StyleFilter

/// A flag of the library's table of settings (Defaults): its help, and its range as a usage error.
extension Setting {
    var flagHelp: ArgumentHelp { ArgumentHelp(help) }

    /// Out of range (NaN never is in range): a usage error naming the flag (default: this
    /// setting's own), exit 64.
    func validate(_ v: Value?, flag: String? = nil) throws {
        if let v, !range.contains(v) { throw ValidationError(message(flag ?? "--\(name)")) }
    }
}
