using System.Diagnostics;

namespace ConnectorHealth.TestSupport;

/// <summary>
/// How every test waits for something to happen: read a state until it holds, or fail with what was awaited and the
/// last state seen. An exception from the probe fails the wait at once; a probe that expects failures while it waits
/// (a server still starting, a broker that was killed) catches them itself and answers "not yet".
/// </summary>
public static class Poll
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(90);

    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(200);

    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        UntilAsync(condition, () => what, timeout);

    public static Task UntilAsync(Func<bool> condition, Func<string> what, TimeSpan? timeout = null) =>
        UntilAsync(() => Task.FromResult(condition()), what, timeout);

    public static Task UntilAsync(
        Func<Task<bool>> condition, string what, TimeSpan? timeout = null, TimeSpan? interval = null,
        CancellationToken cancellationToken = default) =>
        UntilAsync(condition, () => what, timeout, interval, cancellationToken);

    public static Task UntilAsync(
        Func<Task<bool>> condition, Func<string> what, TimeSpan? timeout = null, TimeSpan? interval = null,
        CancellationToken cancellationToken = default) =>
        UntilAsync(condition, held => held, _ => what(), timeout, interval, cancellationToken);

    /// <summary>Waits until <paramref name="probe"/> answers a value, and returns it.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T?>> probe, string what, TimeSpan? timeout = null) where T : struct =>
        (await UntilAsync(probe, value => value is not null, _ => what, timeout))!.Value;

    /// <summary>Waits until <paramref name="probe"/> finds something, and returns it.</summary>
    public static async Task<T> UntilFoundAsync<T>(Func<Task<T?>> probe, string what, TimeSpan? timeout = null) where T : class =>
        (await UntilAsync(probe, value => value is not null, _ => what, timeout))!;

    /// <summary>Waits until <paramref name="probe"/> finds something, and returns it.</summary>
    public static Task<T> UntilFoundAsync<T>(Func<T?> probe, string what, TimeSpan? timeout = null) where T : class =>
        UntilFoundAsync(() => Task.FromResult(probe()), what, timeout);

    /// <summary>
    /// Reads <paramref name="read"/> until <paramref name="done"/> holds for what it answers, and returns that answer;
    /// on timeout the failure names what was awaited as <paramref name="what"/> describes it from the last answer.
    /// </summary>
    public static async Task<T> UntilAsync<T>(
        Func<Task<T>> read, Func<T, bool> done, Func<T, string> what, TimeSpan? timeout = null, TimeSpan? interval = null,
        CancellationToken cancellationToken = default)
    {
        var limit = timeout ?? DefaultTimeout;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var value = await read();
            if (done(value))
            {
                return value;
            }
            if (clock.Elapsed >= limit)
            {
                throw new TimeoutException($"Waited {limit.TotalSeconds:F0} s for {what(value)}.");
            }
            await Task.Delay(interval ?? DefaultInterval, cancellationToken);
        }
    }
}
