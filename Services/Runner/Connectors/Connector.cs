using System.Text.Json;

namespace ConnectorHealth.Runner.Connectors;

/// <summary>Sleeps for the given time. Time is a boundary: tests pass one that moves a fake clock instead.</summary>
public delegate Task Sleep(TimeSpan delay, CancellationToken cancellationToken);

/// <summary>What an attempt may use: its number, the connector's seeded randomness, and the (fakeable) clock.</summary>
public sealed record ConnectorContext(int Attempt, Random Random, Sleep Sleep, TimeProvider Time);

/// <summary>What one successful attempt fetched.</summary>
public sealed record ConnectorResult(JsonElement Payload, int? HttpStatus = null);

/// <summary>One attempt of a connector.</summary>
public interface IConnector
{
    Task<ConnectorResult> FetchAsync(ConnectorContext context, CancellationToken cancellationToken);
}

/// <summary>An attempt that failed in a known way: its error type, and whether trying again can help.</summary>
public sealed class ConnectorException(
    string errorType, string message, bool retryable, int? httpStatus = null, TimeSpan? retryAfter = null, Exception? inner = null)
    : Exception(message, inner)
{
    public string ErrorType { get; } = errorType;
    public bool Retryable { get; } = retryable;
    public int? HttpStatus { get; } = httpStatus;

    /// <summary>The wait the source asked for (HTTP <c>Retry-After</c>).</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}

/// <summary>The error types runs report (the first version's <c>RateLimitError</c> among them).</summary>
public static class ErrorTypes
{
    public const string RateLimit = "RateLimitError";
    public const string Server = "ServerError";
    public const string Timeout = "TimeoutError";
    public const string Client = "ClientError";
    public const string Auth = "AuthError";
    public const string Connection = "ConnectionError";
    public const string InvalidJson = "InvalidJsonError";
    public const string Unexpected = "UnexpectedError";
}

public static class ConnectorKinds
{
    public const string GoodApi = "good_api";
    public const string RateLimitedApi = "rate_limited_api";
    public const string SchemaChanger = "schema_changer";
    public const string FlakyApi = "flaky_api";
    public const string SlowApi = "slow_api";
    public const string AuthFailingApi = "auth_failing_api";
    public const string NestedTypesApi = "nested_types_api";
    public const string NullingFieldApi = "nulling_field_api";
    public const string Http = "http";

    public static readonly IReadOnlyList<string> All =
        [GoodApi, RateLimitedApi, SchemaChanger, FlakyApi, SlowApi, AuthFailingApi, NestedTypesApi, NullingFieldApi, Http];

    public static bool IsKnown(string kind) => All.Contains(kind);
}
