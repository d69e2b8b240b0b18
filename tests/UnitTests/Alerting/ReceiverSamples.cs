using ConnectorHealth.Alerting.Notifications;
using ConnectorHealth.Alerting.Receivers;

namespace ConnectorHealth.UnitTests.Alerting;

/// <summary>Alerts and notices as the notification queue builds them.</summary>
internal static class ReceiverSamples
{
    public static readonly DateTimeOffset FirstSeen = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);

    public static AlertBody Alert(long id = 42, string connector = "down", string rule = "consecutive_failures", string severity = "critical",
        string state = "firing", string message = "3 runs in a row failed (auth)") =>
        new(id, connector, rule, severity, state, message, "Check the connector's credentials.", 3, FirstSeen, FirstSeen.AddMinutes(5),
            null, state == "resolved" ? FirstSeen.AddMinutes(9) : null);

    public static Notice Group(string kind, string status, params AlertBody[] alerts) =>
        new(kind, "ops", "route:ops/{connector=\"down\"}", new Dictionary<string, string> { ["connector"] = "down" }, status, alerts);
}
