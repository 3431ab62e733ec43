/// Splits expression text into tokens. Durations (`5s`, `1h30m`) are single tokens.
///
/// An expression has at most ``maximumTokens`` tokens: far more than any readable expression, and few enough that
/// the trees built from it (a chain `1 + 1 + ...` is as deep as it is long) stay shallow for the recursive type
/// checker and evaluator.
struct ExpressionLexer {
    enum TokenKind: Equatable {
        case integer(Int64)
        case duration(FlowDuration)
        case string(String)
        case identifier(String)
        case symbol(String)
        case end
    }

    struct Token: Equatable {
        var kind: TokenKind
        var offset: Int
    }

    static let maximumTokens = 1_000

    private static let symbols = ["==", "!=", "<=", ">=", "&&", "||", "+", "-", "*", "/", "%", "<", ">", "!", "(", ")", ",", "."]

    static func tokenize(_ text: String) throws(ExpressionError) -> [Token] {
        let scalars = Array(text.unicodeScalars)
        var tokens: [Token] = []
        var index = 0
        func isDigit(_ s: Unicode.Scalar) -> Bool { ("0"..."9").contains(s) }
        func isLetter(_ s: Unicode.Scalar) -> Bool { ("a"..."z").contains(s) || ("A"..."Z").contains(s) || s == "_" }
        while index < scalars.count {
            let scalar = scalars[index]
            let start = index
            if tokens.count == maximumTokens {
                throw ExpressionError(offset: start, message: "expression longer than \(maximumTokens) tokens",
                                      hint: "split it into variables or compute steps")
            }
            if scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" {
                index += 1
            } else if isDigit(scalar) {
                while index < scalars.count, isDigit(scalars[index]) || isLetter(scalars[index]) { index += 1 }
                let word = String(String.UnicodeScalarView(scalars[start..<index]))
                if word.unicodeScalars.allSatisfy(isDigit) {
                    guard let value = Int64(word) else {
                        throw ExpressionError(offset: start, message: "integer \(word) is too large", hint: "integers are 64-bit: at most 9223372036854775807")
                    }
                    tokens.append(Token(kind: .integer(value), offset: start))
                } else if let duration = FlowDuration(parsing: word) {
                    tokens.append(Token(kind: .duration(duration), offset: start))
                } else {
                    throw ExpressionError(
                        offset: start, message: "bad duration or number '\(word)'",
                        hint: "write a duration as whole numbers with units in decreasing order: 250ms, 5s, 10m, 12h, 1d, 1h30m")
                }
            } else if isLetter(scalar) {
                while index < scalars.count, isLetter(scalars[index]) || isDigit(scalars[index]) { index += 1 }
                tokens.append(Token(kind: .identifier(String(String.UnicodeScalarView(scalars[start..<index]))), offset: start))
            } else if scalar == "'" || scalar == "\"" {
                index += 1
                var text = String.UnicodeScalarView()
                var closed = false
                while index < scalars.count {
                    let current = scalars[index]
                    if current == scalar { closed = true; index += 1; break }
                    if current == "\\", index + 1 < scalars.count {
                        text.append(scalars[index + 1])
                        index += 2
                        continue
                    }
                    text.append(current)
                    index += 1
                }
                guard closed else {
                    throw ExpressionError(offset: start, message: "unterminated string", hint: "close it with \(scalar)")
                }
                tokens.append(Token(kind: .string(String(text)), offset: start))
            } else if let symbol = symbols.first(where: { matches($0, scalars, at: index) }) {
                index += symbol.unicodeScalars.count
                tokens.append(Token(kind: .symbol(symbol), offset: start))
            } else {
                let hint: String? = switch scalar {
                case "=": "compare with ==; expressions cannot assign"
                case "&": "use && for 'and'"
                case "|": "use || for 'or'"
                default: nil
                }
                throw ExpressionError(offset: start, message: "unexpected character '\(scalar)'", hint: hint)
            }
        }
        tokens.append(Token(kind: .end, offset: scalars.count))
        return tokens
    }

    private static func matches(_ symbol: String, _ scalars: [Unicode.Scalar], at index: Int) -> Bool {
        var position = index
        for expected in symbol.unicodeScalars {
            guard position < scalars.count, scalars[position] == expected else { return false }
            position += 1
        }
        return true
    }
}

/// A syntax, type or evaluation problem in an expression, at an offset into its text.
struct ExpressionError: Error, Equatable {
    var offset: Int
    var message: String
    var hint: String?
}
