/// `choice`: go to the `next` of the first branch whose condition is true, else to `defaultNext`.
package struct ChoiceStep: Sendable, Equatable {
    package var branches: [Branch]
    package var defaultNext: String
}
