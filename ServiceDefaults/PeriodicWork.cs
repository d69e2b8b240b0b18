using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ConnectorHealth.ServiceDefaults;

/// <summary>
/// The one shape of a background loop: a round runs, then the loop waits for the next tick of a
/// <see cref="PeriodicTimer"/> on the injected <see cref="TimeProvider"/> (so tests move time instead of sleeping).
/// A round that throws is logged and the loop goes on at the next tick; stopping the host ends it. A round that
/// says more work is waiting is followed at once by the next one, without waiting for a tick.
/// </summary>
public abstract partial class PeriodicWork(TimeProvider time, ILogger logger) : BackgroundService
{
    /// <summary>The clock the loop ticks on, for rounds that need the time (a subclass cannot also capture it: CS9107).</summary>
    protected TimeProvider Time => time;

    /// <summary>The logger the loop reports failed rounds to, for rounds that log events of their own.</summary>
    protected ILogger Logger => logger;

    /// <summary>Time between rounds; read again after every round, so a changed option takes effect.</summary>
    protected abstract TimeSpan Interval { get; }

    /// <summary>One round of work. Returns <see langword="true"/> when more is waiting and the next round should start now.</summary>
    protected abstract Task<bool> RunRoundAsync(CancellationToken stoppingToken);

    /// <summary>Runs before the first round (e.g. to register gauges); a failure here stops the loop.</summary>
    protected virtual Task StartingAsync(CancellationToken stoppingToken) => Task.CompletedTask;

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await StartingAsync(stoppingToken);
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            do
            {
                bool more;
                do
                {
                    more = await RunRoundSafelyAsync(stoppingToken);
                }
                while (more && !stoppingToken.IsCancellationRequested);
                var interval = Interval;
                if (timer.Period != interval)
                {
                    timer.Period = interval;
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the round in flight was cancelled.
        }
    }

    private async Task<bool> RunRoundSafelyAsync(CancellationToken stoppingToken)
    {
        try
        {
            return await RunRoundAsync(stoppingToken);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            LogRoundFailed(logger, ex, GetType().Name, Interval.TotalSeconds);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A round of {Work} failed; it runs again in {IntervalSeconds:F1} s")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception, string work, double intervalSeconds);
}
