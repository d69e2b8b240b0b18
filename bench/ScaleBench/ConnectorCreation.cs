using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;

namespace ConnectorHealth.ScaleBench;

// Creating the connectors: how long it took, each PUT's time, the gateway's 429s (waited out as its Retry-After says) and
// what failed after its retries.
internal sealed record CreationResult(
    int Connectors,
    int Created,
    int Concurrency,
    double Seconds,
    Percentile PutMilliseconds,
    int TooManyRequests,
    double RetryAfterSecondsWaited,
    int OtherRetries,
    IReadOnlyList<string> Failures)
{
    public double PerSecond => Created / Seconds;
}

// PUT /api/connectors/{name} with the operator key through the gateway, `concurrency` at once. A 429 waits its
// Retry-After (1 s when it names none); a 5xx or a broken connection is tried again up to three times.
internal sealed class ConnectorCreation(HttpClient gateway, int concurrency, Action<string> say)
{
    private const int MaxTries = 4;

    public async Task<CreationResult> RunAsync(IReadOnlyList<ConnectorSpec> connectors)
    {
        var times = new ConcurrentBag<double>();
        var failures = new ConcurrentQueue<string>();
        var (tooMany, otherRetries, created, done) = (0, 0, 0, 0);
        long retryAfterTicks = 0;
        var clock = Stopwatch.StartNew();
        var lastSaid = TimeSpan.Zero;
        await Parallel.ForEachAsync(connectors, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (connector, cancellationToken) =>
        {
            for (var attempt = 1; ; attempt++)
            {
                var started = Stopwatch.GetTimestamp();
                HttpResponseMessage? response = null;
                try
                {
                    response = await gateway.PutAsJsonAsync($"/api/connectors/{connector.Name}", connector.Body, cancellationToken);
                    if (response.IsSuccessStatusCode)
                    {
                        times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                        Interlocked.Increment(ref created);
                        break;
                    }
                    if (response.StatusCode == HttpStatusCode.TooManyRequests)
                    {
                        Interlocked.Increment(ref tooMany);
                        var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
                        Interlocked.Add(ref retryAfterTicks, wait.Ticks);
                        await Task.Delay(wait, cancellationToken);
                        attempt--; // A refusal by the rate limiter is not a failed try.
                        continue;
                    }
                    if ((int)response.StatusCode < 500 || attempt >= MaxTries)
                    {
                        failures.Enqueue($"{connector.Name}: {(int)response.StatusCode} {Shorten(await response.Content.ReadAsStringAsync(cancellationToken))}");
                        break;
                    }
                }
                catch (HttpRequestException ex) when (attempt < MaxTries)
                {
                    _ = ex; // Tried again below.
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    failures.Enqueue($"{connector.Name}: {ex.GetType().Name}: {ex.Message}");
                    break;
                }
                finally
                {
                    response?.Dispose();
                }
                Interlocked.Increment(ref otherRetries);
                await Task.Delay(TimeSpan.FromMilliseconds(500 * attempt), cancellationToken);
            }
            if (Interlocked.Increment(ref done) % 100 == 0)
            {
                lock (times)
                {
                    if (clock.Elapsed - lastSaid > TimeSpan.FromSeconds(15))
                    {
                        lastSaid = clock.Elapsed;
                        say($"  {done:N0} of {connectors.Count:N0} connectors after {clock.Elapsed.TotalSeconds:N0} s");
                    }
                }
            }
        });
        return new CreationResult(
            connectors.Count, created, concurrency, clock.Elapsed.TotalSeconds, Percentile.Of(times), tooMany,
            TimeSpan.FromTicks(retryAfterTicks).TotalSeconds, otherRetries, [.. failures]);
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
