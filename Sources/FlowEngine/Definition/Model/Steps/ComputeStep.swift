/// `compute`: assign variables from expressions, in document order, then go to `next`.
package struct ComputeStep: Sendable, Equatable {
    package var assign: [Assignment]
    package var next: String
}
