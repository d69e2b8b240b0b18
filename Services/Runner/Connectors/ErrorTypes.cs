namespace ConnectorHealth.Runner.Connectors;

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
