using ConnectorHealth.Alerting.Alerts;

namespace ConnectorHealth.Alerting.Channels;

/// <summary>Which configured channels an alert goes to.</summary>
public static class Routing
{
    /// <returns>The names of the enabled channels whose filters let the alert through, in ordinal order.</returns>
    public static IEnumerable<string> ChannelsFor(IReadOnlyDictionary<string, ChannelOptions> channels, string rule, Severity severity) =>
        channels
            .Where(c => c.Value.Enabled
                && (c.Value.Severities is null || c.Value.Severities.Contains(severity))
                && (c.Value.Rules is null || c.Value.Rules.Contains(rule, StringComparer.Ordinal)))
            .Select(c => c.Key)
            .Order(StringComparer.Ordinal);
}
