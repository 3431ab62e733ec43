/// `succeed`: the instance ends successfully, recording `output` (evaluated in document order).
package struct SucceedStep: Sendable, Equatable {
    package var output: [Assignment]
}
