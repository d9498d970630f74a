// Hand-written conveniences over the generated `QiscusError` (Generated/qiscus_core.swift):
// the fields shared by several cases, without a pattern per case at every use.
//
// This file is the one place that spells out each case's associated values: when the core adds
// a field to a variant, it stops compiling here (Swift deprecates binding them as one tuple).
import Foundation

extension QiscusError {
    /// The variant's name as in Rust and the other bindings (`api`, `not_found`, ...).
    public var kind: String {
        switch self {
        case .Api: return "api"
        case .Unauthorized: return "unauthorized"
        case .NotFound: return "not_found"
        case .RateLimited: return "rate_limited"
        case .Timeout: return "timeout"
        case .Connection: return "connection"
        case .Decode: return "decode"
        case .ResponseTooLarge: return "response_too_large"
        case .InvalidInput: return "invalid_input"
        case .InvalidSignature: return "invalid_signature"
        case .Internal: return "internal"
        case .Config: return "config"
        }
    }

    /// The endpoint name (`user_profile`, ...; `webhook` for webhook bodies), when the error
    /// comes from a call.
    public var call: String? {
        switch self {
        case let .Api(call, _, _, _, _, _, _): return call
        case let .Unauthorized(call, _, _): return call
        case let .NotFound(call, _, _): return call
        case let .RateLimited(call, _, _, _, _): return call
        case let .Timeout(call, _, _): return call
        case let .Connection(call, _, _, _): return call
        case let .Decode(call, _, _): return call
        case let .ResponseTooLarge(call, _): return call
        case .InvalidInput, .InvalidSignature, .Internal, .Config: return nil
        }
    }

    /// What went wrong, in words (the server's message, the transport's, ...).
    public var reason: String? {
        switch self {
        case let .Api(_, _, reason, _, _, _, _): return reason
        case let .Unauthorized(_, reason, _): return reason
        case let .NotFound(_, reason, _): return reason
        case let .RateLimited(_, _, reason, _, _): return reason
        case let .Connection(_, reason, _, _): return reason
        case let .Decode(_, reason, _): return reason
        case let .InvalidInput(_, reason): return reason
        case let .InvalidSignature(reason): return reason
        case let .Internal(reason): return reason
        case let .Config(_, reason): return reason
        case .Timeout, .ResponseTooLarge: return nil
        }
    }

    /// The HTTP status, when the server answered with an error.
    public var status: UInt16? {
        switch self {
        case let .Api(_, status, _, _, _, _, _): return status
        case .Unauthorized: return 401
        case .NotFound: return 404
        case .RateLimited: return 429
        default: return nil
        }
    }

    /// How many attempts were made, for the errors of retried calls.
    public var attempts: UInt32? {
        switch self {
        case let .Api(_, _, _, _, _, attempts, _): return attempts
        case let .RateLimited(_, _, _, attempts, _): return attempts
        case let .Timeout(_, attempts, _): return attempts
        case let .Connection(_, _, attempts, _): return attempts
        default: return nil
        }
    }

    /// Why each earlier attempt failed (empty when there was one attempt).
    public var history: [String] {
        switch self {
        case let .Api(_, _, _, _, _, _, history): return history
        case let .RateLimited(_, _, _, _, history): return history
        case let .Timeout(_, _, history): return history
        case let .Connection(_, _, _, history): return history
        default: return []
        }
    }

    /// The server's `error.detailed_messages` (empty when none).
    public var detailedMessages: [String] {
        switch self {
        case let .Api(_, _, _, detailed, _, _, _): return detailed
        case let .Unauthorized(_, _, detailed): return detailed
        case let .NotFound(_, _, detailed): return detailed
        default: return []
        }
    }

    /// The first bytes of a body that was not the documented JSON.
    public var bodyExcerpt: String? {
        switch self {
        case let .Api(_, _, _, _, excerpt, _, _): return excerpt
        case let .Decode(_, _, excerpt): return excerpt
        default: return nil
        }
    }

    /// The server's `Retry-After` of a 429, in seconds.
    public var retryAfter: TimeInterval? {
        if case let .RateLimited(_, retryAfter, _, _, _) = self { return retryAfter }
        return nil
    }

    /// The configured response size limit that was exceeded.
    public var limitBytes: UInt64? {
        if case let .ResponseTooLarge(_, limit) = self { return limit }
        return nil
    }

    /// The argument (`invalidInput`) or setting (`config`) at fault, named as on the wire.
    public var field: String? {
        switch self {
        case let .InvalidInput(field, _): return field
        case let .Config(field, _): return field
        default: return nil
        }
    }

    /// Whether retrying later may succeed (rate limits, timeouts, connection failures, 5xx).
    public var isTransient: Bool {
        switch self {
        case .RateLimited, .Timeout, .Connection: return true
        case let .Api(_, status, _, _, _, _, _): return status >= 500
        default: return false
        }
    }
}
