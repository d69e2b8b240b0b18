using ConnectorHealth.Runner.Payloads;
using ConnectorHealth.Runner;
using ConnectorHealth.Runner.Connectors;
using ConnectorHealth.Runner.Runs;
using Microsoft.Extensions.Time.Testing;

namespace ConnectorHealth.UnitTests;

/// <summary>A fake clock that moves exactly as far as the code under test sleeps, so runs take no real time.</summary>
internal sealed class SimulatedTime
{
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    public TimeSpan Slept { get; private set; }

    public Task Sleep(TimeSpan delay, CancellationToken cancellationToken)
    {
        if (!cancellationToken.CanBeCanceled)
        {
            Slept += delay;
            Clock.Advance(delay);
            return Task.CompletedTask;
        }

        // A sleep that can be cut short (by an attempt's timeout) moves the clock a millisecond at a time,
        // so the timeout fires at its exact moment.
        for (var step = TimeSpan.FromMilliseconds(1); delay > TimeSpan.Zero; delay -= step)
        {
            Slept += step;
            Clock.Advance(step);
            cancellationToken.ThrowIfCancellationRequested();
        }
        return Task.CompletedTask;
    }

    public RunEnvironment Environment(int seed, int payloadCapBytes = 1024 * 1024) =>
        new(new Random(seed), Sleep, Clock, new PayloadLimits { MaxBytes = payloadCapBytes });
}

internal static class Catalog
{
    /// <summary>The catalog's own settings for the first version's rate-limited connector.</summary>
    public static ConnectorOptions RateLimitedApi() => new()
    {
        Kind = ConnectorKinds.RateLimitedApi,
        Interval = TimeSpan.FromSeconds(30),
        Retry = new RetryOptions
        {
            MaxAttempts = 3,
            InitialDelay = TimeSpan.FromMilliseconds(200),
            Multiplier = 1,
            MaxDelay = TimeSpan.FromMilliseconds(200),
            Jitter = false,
        },
    };

    public static ConnectorOptions Of(string kind, TimeSpan? timeout = null) => new()
    {
        Kind = kind,
        Interval = TimeSpan.FromSeconds(30),
        Timeout = timeout ?? TimeSpan.FromSeconds(10),
    };
}
