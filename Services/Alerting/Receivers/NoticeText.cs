using System.Globalization;
using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Notifications;
using ConnectorHealth.Contracts;

namespace ConnectorHealth.Alerting.Receivers;

/// <summary>The words every receiver format shares: headlines, severities, one line per alert.</summary>
internal static class NoticeText
{
    /// <summary>How many alerts a chat message or card lists; the rest are counted.</summary>
    public const int ListedInChat = 20;

    public const string TestText = "ConnectorHealth test notification: this receiver gets alerts.";

    /// <summary>
    /// "[CRITICAL] consecutive_failures · down" for a group of one alert, "[CRITICAL] 5 alerts · connector=down" for
    /// more, with what happened in front ("Resolved: ...", "Still firing [CRITICAL]: ...").
    /// </summary>
    public static string Headline(Notice notice)
    {
        if (notice.Kind == NotificationKinds.Test || notice.Alerts.Count == 0)
        {
            return "ConnectorHealth test notification";
        }
        var severity = GroupSeverity(notice).ToUpperInvariant();
        var subject = notice.Alerts.Count == 1
            ? $"{notice.Alerts[0].Rule} · {notice.Alerts[0].Connector}"
            : string.Create(CultureInfo.InvariantCulture, $"{notice.Alerts.Count} alerts") + (notice.GroupLabels.Count > 0 ? $" · {Labels(notice)}" : "");
        return notice.Kind switch
        {
            NotificationKinds.Resolved => $"Resolved: {subject}",
            NotificationKinds.Repeat => $"Still firing [{severity}]: {subject}",
            NotificationKinds.Acknowledged => $"Acknowledged: {subject}",
            NotificationKinds.Escalation => $"Escalated [{severity}]: {subject}",
            _ => $"[{severity}] {subject}",
        };
    }

    /// <summary>The group's labels in key order: "connector=down, rule=freshness".</summary>
    public static string Labels(Notice notice) =>
        string.Join(", ", notice.GroupLabels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));

    /// <summary>The highest severity among the firing alerts, or among all when none fires; "info" for an empty group.</summary>
    public static string GroupSeverity(Notice notice)
    {
        var firing = notice.Alerts.Where(a => a.State == NoticeStatus.Firing).ToList();
        var counted = firing.Count > 0 ? firing : notice.Alerts;
        return counted.Count == 0 ? SeverityNames.Name(Severity.Info) : counted.MaxBy(a => Rank(a.Severity))!.Severity;
    }

    /// <summary>The severity as ours (info, warning, critical); an unknown name ranks lowest.</summary>
    public static Severity? SeverityOf(string name) => EnumNames.TryParse<Severity>(name, out var severity) ? severity : null;

    /// <summary>"[CRITICAL] consecutive_failures · down (firing)".</summary>
    public static string Title(AlertBody alert) => $"[{alert.Severity.ToUpperInvariant()}] {alert.Rule} · {alert.Connector} ({alert.State})";

    /// <summary>"Alert 42 · 3 occurrence(s) since 2026-12-07 10:00:00Z, last 2026-12-07 10:05:00Z".</summary>
    public static string Occurrences(AlertBody alert) => string.Create(CultureInfo.InvariantCulture,
        $"Alert {alert.AlertId} · {alert.Occurrences} occurrence(s) since {alert.FirstSeen:u}, last {alert.LastSeen:u}")
        + (alert.ResolvedAt is { } resolved ? string.Create(CultureInfo.InvariantCulture, $", resolved {resolved:u}") : "");

    public static string MoreAlerts(int notListed) => string.Create(CultureInfo.InvariantCulture, $"… and {notListed} more alert(s) in this group");

    /// <summary>The text cut to at most <paramref name="max"/> characters, ending in "…" when cut, never inside a surrogate pair.</summary>
    public static string Cut(string text, int max)
    {
        if (text.Length <= max)
        {
            return text;
        }
        var keep = max - 1;
        if (keep > 0 && char.IsHighSurrogate(text[keep - 1]))
        {
            keep--;
        }
        return string.Concat(text.AsSpan(0, keep), "…");
    }

    private static int Rank(string severity) => SeverityOf(severity) is { } known ? (int)known : -1;
}
