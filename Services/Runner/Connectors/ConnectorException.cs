namespace ConnectorHealth.Runner.Connectors;

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
