/// How a division that does not come out even is rounded. Every division in a flow definition names one:
/// there is no implicit rounding anywhere, because a silent truncation is a silent loss of money.
package enum RoundingMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// To the nearest; exact halves away from zero (2.5 → 3, -2.5 → -3). The usual commercial rounding.
    case halfUp
    /// To the nearest; exact halves to the even neighbour (2.5 → 2, 3.5 → 4). Banker's rounding.
    case halfEven
    /// Away from zero (2.1 → 3, -2.1 → -3).
    case up
    /// Toward zero (2.9 → 2, -2.9 → -2).
    case down
    /// Toward negative infinity.
    case floor
    /// Toward positive infinity.
    case ceiling

    /// `numerator / denominator` rounded by this mode; `nil` when the denominator is zero or the result
    /// overflows.
    package func divide(_ numerator: Int64, by denominator: Int64) -> Int64? {
        guard denominator != 0 else { return nil }
        let (quotient, overflow) = numerator.dividedReportingOverflow(by: denominator)
        if overflow { return nil }
        let remainder = numerator % denominator
        if remainder == 0 { return quotient }
        // The exact result is negative when the signs differ; "away from zero" then means one more below.
        let step: Int64 = (numerator < 0) != (denominator < 0) ? -1 : 1
        let away = quotient.addingReportingOverflow(step)
        let awayValue: Int64? = away.overflow ? nil : away.partialValue
        let remainderMagnitude = remainder.magnitude
        let rest = denominator.magnitude - remainderMagnitude  // distance to the next multiple
        switch self {
        case .down: return quotient
        case .up: return awayValue
        case .floor: return step < 0 ? awayValue : quotient
        case .ceiling: return step > 0 ? awayValue : quotient
        case .halfUp: return remainderMagnitude >= rest ? awayValue : quotient
        case .halfEven:
            if remainderMagnitude > rest { return awayValue }
            if remainderMagnitude < rest { return quotient }
            return quotient % 2 == 0 ? quotient : awayValue
        }
    }
}
