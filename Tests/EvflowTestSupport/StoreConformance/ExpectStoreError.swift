import FlowEngine
import Testing

/// Asserts that `body` throws a ``StoreError`` with `code`, and returns it for further checks.
@discardableResult
package func expectStoreError<T>(
    _ code: StoreError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> T
) -> StoreError? {
    do {
        _ = try body()
        Issue.record("expected StoreError(\(code)), nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as StoreError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected StoreError(\(code)), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
