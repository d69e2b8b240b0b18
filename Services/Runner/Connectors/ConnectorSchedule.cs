using ConnectorHealth.Contracts;
using System.Diagnostics.CodeAnalysis;
using Cronos;

namespace ConnectorHealth.Runner.Connectors;

/// <summary>When a connector runs next: a fixed interval, or a cron expression in UTC.</summary>
public sealed class ConnectorSchedule
{
    private readonly TimeSpan? _interval;
    private readonly CronExpression? _cron;

    private ConnectorSchedule(TimeSpan? interval, CronExpression? cron, string description)
    {
        _interval = interval;
        _cron = cron;
        Description = description;
    }

    public string Description { get; }

    /// <summary>The nominal gap between runs, for consumers that judge freshness.</summary>
    public TimeSpan ExpectedInterval(DateTimeOffset now)
    {
        if (_interval is { } interval)
        {
            return interval;
        }
        var next = _cron!.GetNextOccurrence(now, TimeZoneInfo.Utc) ?? now;
        var after = _cron.GetNextOccurrence(next, TimeZoneInfo.Utc) ?? next;
        return after - next;
    }

    public static ConnectorSchedule Every(TimeSpan interval) => new(interval, null, $"every {interval}");

    /// <summary>The schedule of a connector that cannot run (its definition breaks the rules): it is never scheduled.</summary>
    public static readonly ConnectorSchedule Never = new(RunDefinition.MaxExpectedInterval, null, "never (the connector cannot run)");

    public static ConnectorSchedule For(ConnectorOptions options) =>
        options.Interval is { } interval ? Every(interval)
        : TryParseCron(options.Cron, out var cron) ? new ConnectorSchedule(null, cron, $"cron {options.Cron}")
        : throw new InvalidOperationException($"Connector schedule '{options.Cron}' is not valid.");

    public static bool TryParseCron(string? expression, [NotNullWhen(true)] out CronExpression? cron)
    {
        cron = null;
        if (string.IsNullOrWhiteSpace(expression))
        {
            return false;
        }
        var format = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard;
        try
        {
            cron = CronExpression.Parse(expression, format);
            return true;
        }
        catch (CronFormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// The start after a run that was due at <paramref name="due"/> and finished at <paramref name="now"/>. A run that
    /// overran its slot is followed at once, not by a burst of the runs it missed.
    /// </summary>
    public DateTimeOffset Next(DateTimeOffset due, DateTimeOffset now)
    {
        if (_interval is { } interval)
        {
            var next = due + interval;
            return next > now ? next : now;
        }
        return _cron!.GetNextOccurrence(now, TimeZoneInfo.Utc) ?? DateTimeOffset.MaxValue;
    }

    /// <summary>The slot after the one due at <paramref name="due"/>, however late that one runs.</summary>
    public DateTimeOffset After(DateTimeOffset due) =>
        _interval is { } interval ? due + interval : _cron!.GetNextOccurrence(due, TimeZoneInfo.Utc) ?? DateTimeOffset.MaxValue;

    /// <summary>The first start: at once for an interval, the next occurrence for cron.</summary>
    public DateTimeOffset First(DateTimeOffset now) =>
        _interval is not null ? now : _cron!.GetNextOccurrence(now, TimeZoneInfo.Utc) ?? DateTimeOffset.MaxValue;
}
