import Testing

@testable import FlowEngine

struct ExpressionTests {
    static let scope: TypeScope = {
        var scope = TypeScope()
        scope.inputs = ["price": .money, "fee": .money, "n": .integer, "d": .duration, "name": .string, "phone": .phoneNumber, "flag": .boolean]
        scope.variables = ["wh": .integer, "cost": .money]
        scope.stepOutputs = ["reserve": ["amount": .money, "reference": .string]]
        scope.signals = ["meter": ["wh": .integer, "price": .money]]
        return scope
    }()

    static func nok(_ units: Int64) -> Value { .money(Money(minorUnits: units, currency: "NOK")) }

    static let environment = Environment(
        instanceID: "session-42",
        inputs: ["price": nok(399), "fee": nok(500), "n": .integer(7), "d": .duration(.seconds(5)), "name": .string("A"), "flag": .boolean(true)],
        variables: ["wh": .integer(12_345), "cost": nok(0)],
        stepOutputs: ["reserve": ["amount": nok(50_000), "reference": .string("ev-session-42")]],
        signals: ["meter": [["wh": .integer(100), "price": nok(10)], ["wh": .integer(250), "price": nok(25)]]])

    func evaluate(_ source: String, _ environment: Environment = ExpressionTests.environment) throws -> Value {
        try Expression.compile(source, in: Self.scope).evaluate(in: environment)
    }

    func compileError(_ source: String) -> ExpressionCompileError? {
        do {
            _ = try Expression.compile(source, in: Self.scope)
            return nil
        } catch let error as ExpressionCompileError {
            return error
        } catch {
            return nil
        }
    }

    @Test(arguments: [
        ("1 + 2 * 3", Value.integer(7)), ("(1 + 2) * 3", .integer(9)), ("10 - 4 - 3", .integer(3)), ("-2 * 3", .integer(-6)),
        ("7 % 3", .integer(1)), ("1 < 2 && !(2 < 1) || false", .boolean(true)), ("inputs.n == 7", .boolean(true)),
        ("'ev-' + instance.id", .string("ev-session-42")), ("\"x\" + string(inputs.n)", .string("x7")),
        ("1h30m + 250ms", .duration(FlowDuration(milliseconds: 5_400_250))), ("inputs.d * 3", .duration(.seconds(15))),
        ("min(3, 1, 2)", .integer(1)), ("max(inputs.fee, inputs.price)", nok(500)), ("abs(-5)", .integer(5)),
        ("money(100, 'NOK') * 3 - inputs.fee", nok(-200)), ("minorUnits(inputs.price)", .integer(399)), ("currency(inputs.fee)", .string("NOK")),
        ("if(inputs.flag, 1, 2)", .integer(1)), ("signals.meter.count", .integer(2)), ("signals.meter.sum(wh)", .integer(350)),
        ("signals.meter.sum(price)", nok(35)), ("signals.meter.last(wh)", .integer(250)), ("steps.reserve.amount", nok(50_000)),
    ] as [(String, Value)])
    func evaluates(source: String, expected: Value) throws {
        #expect(try evaluate(source) == expected)
    }

    /// The EV tariff: start fee + Wh × price per kWh / 1000, rounded half-up.
    @Test func pricesEnergyWithExplicitRounding() throws {
        #expect(try evaluate("inputs.fee + round(inputs.price * vars.wh / 1000, halfUp)") == Self.nok(500 + 4926))
        #expect(try evaluate("inputs.fee + divRound(inputs.price * vars.wh, 1000, down)") == Self.nok(500 + 4925))
        #expect(try evaluate("divRound(inputs.price * vars.wh, 1000, 'halfEven')") == Self.nok(4926))
    }

    @Test(arguments: [
        // dividend, divisor, halfUp, halfEven, up, down, floor, ceiling
        (25, 10, 3, 2, 3, 2, 2, 3), (35, 10, 4, 4, 4, 3, 3, 4), (-25, 10, -3, -2, -3, -2, -3, -2), (21, 10, 2, 2, 3, 2, 2, 3),
        (-21, 10, -2, -2, -3, -2, -3, -2), (29, 10, 3, 3, 3, 2, 2, 3), (30, 10, 3, 3, 3, 3, 3, 3), (25, -10, -3, -2, -3, -2, -3, -2),
    ] as [(Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64)])
    func roundingModes(_ row: (Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64)) throws {
        let (a, b) = (row.0, row.1)
        let expected: [RoundingMode: Int64] = [.halfUp: row.2, .halfEven: row.3, .up: row.4, .down: row.5, .floor: row.6, .ceiling: row.7]
        for (mode, value) in expected {
            #expect(mode.divide(a, by: b) == value, "\(a) / \(b) \(mode)")
            #expect(try evaluate("round(\(a) / \(b), \(mode.rawValue))") == .integer(value), "\(a) / \(b) \(mode)")
        }
    }

    @Test func overflowIsAnErrorNotAWrap() throws {
        for source in ["9223372036854775807 + 1", "-9223372036854775807 - 2", "4611686018427387904 * 2", "money(9223372036854775807, 'NOK') + inputs.fee",
                       "round((-9223372036854775807 - 1) / -1, down)", "-(-9223372036854775807 - 1)"] {
            #expect(throws: EvaluationError.self, "\(source)") { try self.evaluate(source) }
            do { _ = try evaluate(source) } catch let error as EvaluationError { #expect(error.code == .overflow, "\(source)") }
        }
    }

    @Test func divisionByZeroAndCurrencyMismatchAreErrors() throws {
        do { _ = try evaluate("round(inputs.n / 0, halfUp)"); Issue.record("expected an error") } catch let error as EvaluationError {
            #expect(error.code == .divisionByZero)
        }
        do { _ = try evaluate("inputs.fee + money(1, 'EUR')"); Issue.record("expected an error") } catch let error as EvaluationError {
            #expect(error.code == .currencyMismatch)
            #expect(error.description.contains("NOK and EUR"))
        }
    }

    @Test func missingSignalsNeedADefault() throws {
        var empty = Self.environment
        empty.signals = [:]
        #expect(try evaluate("signals.meter.count", empty) == .integer(0))
        #expect(try evaluate("signals.meter.last(wh, 0)", empty) == .integer(0))
        do { _ = try evaluate("signals.meter.last(wh)", empty); Issue.record("expected an error") } catch let error as EvaluationError {
            #expect(error.code == .noSignal)
        }
        // && short-circuits, so a count guard protects the right side.
        #expect(try evaluate("signals.meter.count > 0 && signals.meter.last(wh) > 5", empty) == .boolean(false))
    }

    /// Money divided by money is a count: the Wh a reservation covers after the start fee, rounded down.
    @Test func dividesMoneyByMoneyIntoACount() throws {
        // (50000 - 500) × 1000 / 399 = 124 060.15… Wh
        #expect(try evaluate("round((steps.reserve.amount - inputs.fee) * 1000 / inputs.price, down)") == .integer(124_060))
        #expect(try evaluate("divRound(inputs.fee, inputs.price, up)") == .integer(2))
        #expect(try Expression.compile("divRound(inputs.fee, inputs.price, down)", in: Self.scope).type == .integer)
        do { _ = try evaluate("divRound(inputs.fee, money(0, 'NOK'), down)"); Issue.record("expected an error") } catch let error as EvaluationError {
            #expect(error.code == .divisionByZero)
        }
        do { _ = try evaluate("divRound(inputs.fee, money(5, 'EUR'), down)"); Issue.record("expected an error") } catch let error as EvaluationError {
            #expect(error.code == .currencyMismatch)
        }
        #expect(compileError("divRound(vars.wh, inputs.price, down)")?.message.contains("the divisor must be an integer") == true)
    }

    @Test(arguments: [
        ("inputs.price / 2", 0, "division must be rounded explicitly"),
        ("inputs.price + 1", 0, "cannot apply '+' to money and integer"),
        ("inputs.price * inputs.fee", 0, "cannot apply '*' to money and money"),
        ("round(inputs.n, halfUp)", 6, "round() rounds a division"),
        ("round(inputs.n / 2, nearest)", 20, "unknown name 'nearest'"),
        ("inputs.nope", 0, "no input named 'nope'"),
        ("vars.wh + steps.reserve.amount", 0, "cannot apply '+' to integer and money"),
        ("steps.missing.amount", 0, "no step with id 'missing'"),
        ("signals.meter.sum(nope)", 0, "no field of signal 'meter' named 'nope'"),
        ("signal.wh", 0, "only available in an awaitSignal handler"),
        ("1 < 2 < 3", 6, "comparisons cannot be chained"),
        ("inputs.phone + 'x'", 0, "a phone number cannot be used in an operation"),
        ("1 +", 3, "expected a value, found end of expression"),
        ("inputs.n = 2", 9, "unexpected character '='"),
        ("5 apples", 2, "unexpected 'apples'"),
        ("7days", 0, "bad duration or number '7days'"),
        ("max(inputs.n, inputs.d)", 14, "max() arguments must have one type"),
        ("money(1, 'SEK')", 9, "unsupported currency 'SEK'"),
        ("sqrt(4)", 0, "unknown function 'sqrt'"),
        ("'open", 0, "unterminated string"),
    ] as [(String, Int, String)])
    func rejects(source: String, offset: Int, message: String) {
        let error = compileError(source)
        #expect(error?.message.contains(message) == true, "`\(source)`: \(String(describing: error))")
        #expect(error?.offset == offset, "`\(source)`: \(String(describing: error))")
    }

    @Test func typesAreInferred() throws {
        #expect(try Expression.compile("inputs.fee + round(inputs.price * vars.wh / 1000, halfUp)", in: Self.scope).type == .money)
        #expect(try Expression.compile("signals.meter.count > 0", in: Self.scope).type == .boolean)
        #expect(try Expression.compile("inputs.d + 5s", in: Self.scope).type == .duration)
        #expect(try Expression.compile("inputs.phone", in: Self.scope).type == .phoneNumber)
    }

    @Test func durationsParseAndPrint() {
        #expect(FlowDuration(parsing: "1h30m")?.milliseconds == 5_400_000)
        #expect(FlowDuration(parsing: "250ms")?.milliseconds == 250)
        #expect(FlowDuration(parsing: "1d")?.description == "1d")
        #expect(FlowDuration(milliseconds: 5_400_250).description == "1h30m250ms")
        for bad in ["", "5", "s", "5x", "10m5h", "5s5s", "99999999999999999999s"] {
            #expect(FlowDuration(parsing: bad) == nil, "\(bad)")
        }
    }
}
