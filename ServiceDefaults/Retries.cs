using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace ConnectorHealth.ServiceDefaults;

/// <summary>
/// The retry shape for outages that waiting cures (<see cref="TransientFailures"/>: the database or the broker away):
/// Polly retries with exponential backoff and jitter, capped, on the injected <see cref="TimeProvider"/>. Anything
/// else is not retried: it is a property of the call itself.
/// </summary>
public static partial class Retries
{
    /// <summary>
    /// A pipeline that retries transient failures up to <paramref name="maxAttempts"/> times in all
    /// (<see langword="null"/>: until they pass or the caller is cancelled), each retry logged with what is retried.
    /// </summary>
    public static ResiliencePipeline WhileTransient(
        string what, ILogger logger, TimeProvider time, int? maxAttempts = null,
        TimeSpan? firstDelay = null, TimeSpan? maxDelay = null) =>
        While(TransientFailures.IsTransient, what, logger, time, maxAttempts, firstDelay, maxDelay);

    /// <summary>
    /// The same shape for a caller whose own rule says which failures waiting may cure (<paramref name="retryable"/>),
    /// e.g. one that decides in the attempt itself when to stop retrying.
    /// </summary>
    public static ResiliencePipeline While(
        Func<Exception, bool> retryable, string what, ILogger logger, TimeProvider time, int? maxAttempts = null,
        TimeSpan? firstDelay = null, TimeSpan? maxDelay = null) =>
        new ResiliencePipelineBuilder { Name = what, TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle(retryable),
                MaxRetryAttempts = maxAttempts is { } max ? Math.Max(max - 1, 1) : int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = firstDelay ?? TimeSpan.FromMilliseconds(200),
                MaxDelay = maxDelay ?? TimeSpan.FromSeconds(10),
                OnRetry = args =>
                {
                    LogRetry(logger, args.Outcome.Exception, what, args.AttemptNumber + 1, args.RetryDelay.TotalSeconds);
                    return default;
                },
            })
            .Build();

    [LoggerMessage(Level = LogLevel.Warning, Message = "{What} failed (attempt {Attempt}); retrying in {DelaySeconds:F1} s")]
    private static partial void LogRetry(ILogger logger, Exception? exception, string what, int attempt, double delaySeconds);
}
