using ConnectorHealth.Alerting.Notifications;

namespace ConnectorHealth.Alerting.Receivers;

/// <summary>
/// One message to one receiver about one group of alerts.
/// </summary>
/// <param name="Kind">What happened: a <see cref="NotificationKinds"/> value (firing, repeat, resolved, acknowledged, escalation, test).</param>
/// <param name="Receiver">The channel's name (<c>Alerting:Channels:&lt;name&gt;</c>).</param>
/// <param name="GroupKey">
/// Identifies the group, stably from one notice to the next (receivers that keep state, like PagerDuty, derive their
/// key from it); may be long.
/// </param>
/// <param name="GroupLabels">The labels the group's alerts share (connector, rule, ...), as the route grouped them.</param>
/// <param name="Status">The group's state now: a <see cref="NoticeStatus"/> value.</param>
/// <param name="Alerts">The group's alerts, each with its own state; empty for a test.</param>
/// <param name="Note">Anything the sender should add: who acknowledged, which escalation step.</param>
public sealed record Notice(
    string Kind, string Receiver, string GroupKey, IReadOnlyDictionary<string, string> GroupLabels, string Status,
    IReadOnlyList<AlertBody> Alerts, string? Note = null)
{
    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();

    /// <summary>
    /// The message a test through the API sends: no alerts, status firing (it should look like what an alert brings),
    /// and a group key of its own per receiver, so PagerDuty updates one test alert instead of opening one per test.
    /// </summary>
    public static Notice Test(string receiver) =>
        new(NotificationKinds.Test, receiver, $"test:{receiver}", NoLabels, NoticeStatus.Firing, []);
}
