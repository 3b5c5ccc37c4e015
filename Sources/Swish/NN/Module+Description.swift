// Printing a module the way PyTorch's nn.Module.__repr__ does:
//
//   Sequential(
//     (0): Linear(in_features=4, out_features=8, bias=True)
//     (1): ReLU()
//   )
//
// A module with only settings prints them on one line; children are listed one per line, indented by two
// spaces, under their names, a module placed twice printed at both places.

extension Module {
    public var description: String {
        let extra = extraDescription
        let extraLines = extra.isEmpty ? [] : extra.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let childLines = _children.map { "(\($0.name)): " + Module.indent($0.module.description, by: 2) }
        var s = typeName + "("
        if extraLines.count == 1 && childLines.isEmpty {
            s += extraLines[0]
        } else if !(extraLines.isEmpty && childLines.isEmpty) {
            s += "\n  " + (extraLines + childLines).joined(separator: "\n  ") + "\n"
        }
        return s + ")"
    }

    /// PyTorch's `_addindent`: indents every line but the first; blank lines stay empty.
    private static func indent(_ s: String, by n: Int) -> String {
        let lines = s.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count > 1 else { return s }
        let pad = String(repeating: " ", count: n)
        return ([String(lines[0])] + lines.dropFirst().map { $0.allSatisfy(\.isWhitespace) ? "" : pad + $0 })
            .joined(separator: "\n")
    }
}
