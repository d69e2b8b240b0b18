using System.Text.Json;
using ConnectorHealth.Runner.Payloads;
using ConnectorHealth.Contracts;
using ConnectorHealth.Runner.Connectors;

namespace ConnectorHealth.Runner.Runs;

/// <summary>
/// Runs a connector's attempts under its timeout and retry policy and describes the outcome as a
/// <see cref="RunCompleted"/>, one record per attempt. Publishing is someone else's job.
/// </summary>
public static class RunExecutor
{
    public static async Task<RunCompleted> ExecuteAsync(
        Guid runId, string connectorName, IConnector connector, ConnectorOptions options, RunSource source,
        TimeSpan expectedInterval, RunEnvironment environment, CancellationToken cancellationToken)
    {
        var time = environment.Time;
        var startedAt = time.GetUtcNow();
        var started = time.GetTimestamp();
        var attempts = new List<RunAttempt>(options.Retry.MaxAttempts);
        ConnectorResult? result = null;

        for (var number = 1; number <= options.Retry.MaxAttempts; number++)
        {
            var attemptStartedAt = time.GetUtcNow();
            var attemptStarted = time.GetTimestamp();
            using var timeout = new CancellationTokenSource(options.Timeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);

            ConnectorException failure;
            try
            {
                result = await connector.FetchAsync(new ConnectorContext(number, environment.Random, environment.Sleep, time), linked.Token);
                attempts.Add(new RunAttempt(number, attemptStartedAt, Elapsed(time, attemptStarted), AttemptOutcome.Succeeded, result.HttpStatus));
                break;
            }
            catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                failure = new ConnectorException(ErrorTypes.Timeout, $"no answer within {options.Timeout.TotalSeconds:0.###} s", retryable: true, inner: ex);
            }
            catch (ConnectorException ex)
            {
                failure = ex;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                failure = new ConnectorException(ErrorTypes.Unexpected, $"{ex.GetType().Name}: {ex.Message}", retryable: false, inner: ex);
            }

            var retry = failure.Retryable && number < options.Retry.MaxAttempts;
            var (delay, honoured) = retry
                ? Backoff.Delay(options.Retry, number, failure.RetryAfter, environment.Random)
                : (TimeSpan.Zero, (TimeSpan?)null);
            attempts.Add(new RunAttempt(
                number, attemptStartedAt, Elapsed(time, attemptStarted), Outcome(failure), failure.HttpStatus,
                RunDefinition.Fit(failure.ErrorType, RunDefinition.MaxErrorTypeLength),
                RunDefinition.Fit(failure.Message, RunDefinition.MaxErrorMessageLength),
                RetryAfterHonoured: honoured,
                BackoffApplied: retry ? delay : null));
            if (!retry)
            {
                break;
            }
            await environment.Sleep(delay, cancellationToken);
        }

        var last = attempts[^1];
        var sample = result is null ? null : PayloadSampler.Sample(result.Payload, environment.PayloadLimits);
        // A source's error text can be any length and any content: fitted above, so the run is one every store keeps.
        return RunDefinition.Canonical(new RunCompleted
        {
            RunId = runId,
            Connector = connectorName,
            Source = source,
            StartedAt = startedAt,
            FinishedAt = time.GetUtcNow(),
            Status = result is null ? RunStatus.Failed : RunStatus.Succeeded,
            LatencyMs = Elapsed(time, started),
            Attempts = attempts,
            RateLimited = attempts.Any(a => a.Outcome == AttemptOutcome.RateLimited),
            ErrorType = result is null ? last.ErrorType : null,
            ErrorMessage = result is null ? last.ErrorMessage : null,
            Payload = sample?.Payload,
            PayloadTruncated = sample?.Truncated ?? false,
            PayloadBytes = sample?.OriginalBytes ?? 0,
            PayloadTruncationReasons = sample?.Reasons ?? [],
            ExpectedInterval = expectedInterval > RunDefinition.MaxExpectedInterval ? RunDefinition.MaxExpectedInterval : expectedInterval,
            Owner = options.Owner,
            Tags = options.Tags is { Count: > 0 } tags ? [.. tags] : null,
        });
    }

    private static AttemptOutcome Outcome(ConnectorException failure) => failure.ErrorType switch
    {
        ErrorTypes.RateLimit => AttemptOutcome.RateLimited,
        ErrorTypes.Timeout => AttemptOutcome.TimedOut,
        _ => AttemptOutcome.Failed,
    };

    private static double Elapsed(TimeProvider time, long since) => time.GetElapsedTime(since).TotalMilliseconds;
}
