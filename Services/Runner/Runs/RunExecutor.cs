using System.Text.Json;
using ConnectorHealth.Contracts;
using ConnectorHealth.Runner.Connectors;

namespace ConnectorHealth.Runner.Runs;

/// <summary>What a run needs besides the connector: its seeded randomness and a way to wait.</summary>
public sealed record RunEnvironment(Random Random, Sleep Sleep, TimeProvider Time, int PayloadCapBytes);

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
                failure.ErrorType, failure.Message,
                RetryAfterHonoured: honoured,
                BackoffApplied: retry ? delay : null));
            if (!retry)
            {
                break;
            }
            await environment.Sleep(delay, cancellationToken);
        }

        var last = attempts[^1];
        var sample = result is null ? null : PayloadSampler.Sample(result.Payload, environment.PayloadCapBytes);
        return new RunCompleted
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
            ExpectedInterval = expectedInterval,
        };
    }

    private static AttemptOutcome Outcome(ConnectorException failure) => failure.ErrorType switch
    {
        ErrorTypes.RateLimit => AttemptOutcome.RateLimited,
        ErrorTypes.Timeout => AttemptOutcome.TimedOut,
        _ => AttemptOutcome.Failed,
    };

    private static double Elapsed(TimeProvider time, long since) => time.GetElapsedTime(since).TotalMilliseconds;
}

/// <summary>Cuts payloads above the cap to a sample that is still valid JSON of the same shape.</summary>
public static class PayloadSampler
{
    public sealed record SampledPayload(JsonElement Payload, bool Truncated, long OriginalBytes);

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Keep text as UTF-8 rather than \uXXXX escapes, so sizes measured on the raw text hold.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static SampledPayload Sample(JsonElement payload, int capBytes)
    {
        var originalBytes = SizeOf(payload);
        if (originalBytes <= capBytes)
        {
            return new SampledPayload(payload, false, originalBytes);
        }

        // Sizes are estimated per element; shrink the target until the whole sample fits.
        for (long target = capBytes - 16; ; target = target * 9 / 10)
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>(capBytes);
            using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            {
                WriteWithin(writer, payload, target, depth: 0);
            }
            if (buffer.WrittenCount <= capBytes || target < 64)
            {
                using var sampled = JsonDocument.Parse(buffer.WrittenMemory);
                return new SampledPayload(sampled.RootElement.Clone(), true, originalBytes);
            }
        }
    }

    /// <param name="end">The writer position this value must end at or before.</param>
    private static void WriteWithin(Utf8JsonWriter writer, JsonElement element, long end, int depth)
    {
        long Position() => writer.BytesPending + writer.BytesCommitted;
        var canDescend = depth < 32;

        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject())
                {
                    var name = System.Text.Encoding.UTF8.GetByteCount(property.Name) + 4;
                    if (Position() + name + Size(property.Value) <= end - 1)
                    {
                        property.WriteTo(writer);
                        continue;
                    }
                    if (canDescend && IsSampleable(property.Value) && Position() + name + 16 <= end - 1)
                    {
                        writer.WritePropertyName(property.Name);
                        WriteWithin(writer, property.Value, end - 1, depth + 1);
                    }
                    break;
                }
                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                var written = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (Position() + 1 + Size(item) <= end - 1)
                    {
                        item.WriteTo(writer);
                        written++;
                        continue;
                    }
                    // Whole items only, so a sample never shows an item with fields missing; only a first item
                    // too big to fit whole is sampled itself.
                    if (written == 0 && canDescend && IsSampleable(item) && Position() + 16 <= end - 1)
                    {
                        WriteWithin(writer, item, end - 1, depth + 1);
                    }
                    break;
                }
                writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                var text = element.GetString()!;
                // Worst case four UTF-8 bytes a character, plus quotes and the ellipsis.
                var keep = (int)Math.Clamp((end - Position() - 8) / 4, 0, text.Length);
                if (keep > 0 && keep < text.Length && char.IsHighSurrogate(text[keep - 1]))
                {
                    keep--;
                }
                writer.WriteStringValue(keep == text.Length ? text : string.Concat(text.AsSpan(0, keep), "…"));
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }

    private static bool IsSampleable(JsonElement element) =>
        element.ValueKind is JsonValueKind.Object or JsonValueKind.Array or JsonValueKind.String;

    private static long Size(JsonElement element) => System.Text.Encoding.UTF8.GetByteCount(element.GetRawText());

    /// <summary>A payload's size: the bytes of its compact UTF-8 JSON (text unescaped).</summary>
    public static long SizeOf(JsonElement payload)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            payload.WriteTo(writer);
        }
        return buffer.WrittenCount;
    }
}
