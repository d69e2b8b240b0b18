using System.ComponentModel.DataAnnotations;
using ConnectorHealth.Alerting.Alerts;

namespace ConnectorHealth.Alerting.Routes;

/// <summary>
/// One node of the routing tree ("Alerting:Route", then its <see cref="Routes"/>), as in Alertmanager: an alert enters at
/// the root, goes down into the first child that matches it (and on to later siblings while the matching child says
/// <see cref="Continue"/>), and is sent by the deepest routes it reached. What a route leaves unset it takes from its
/// parent. Matchers are glob patterns (<c>*</c> and <c>?</c>) for connectors, owners and tags, names for rules and
/// severities; an unset matcher matches everything, a set one matches when any of its values does.
/// </summary>
public sealed class AlertRoute
{
    /// <summary>The channel (receiver) this route's alerts go to.</summary>
    public string? Receiver { get; set; }

    public List<string>? Connectors { get; set; }

    public List<string>? Owners { get; set; }

    /// <summary>Matches when the connector has any tag matching any of these.</summary>
    public List<string>? Tags { get; set; }

    public List<string>? Rules { get; set; }

    public List<Severity>? Severities { get; set; }

    /// <summary>Whether an alert this route matched also goes on to its later siblings.</summary>
    public bool Continue { get; set; }

    /// <summary>
    /// The labels whose values make a group: <c>connector</c>, <c>rule</c>, <c>severity</c>, <c>owner</c>; <c>...</c>
    /// alone puts every alert in a group of its own. A group is one message listing its alerts.
    /// </summary>
    public List<string>? GroupBy { get; set; }

    /// <summary>How long a new group waits for more alerts before its first message.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan? GroupWait { get; set; }

    /// <summary>How long after a group's message a change in it (an alert added or resolved) is sent.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan? GroupInterval { get; set; }

    /// <summary>How long after a message a group still firing and unacknowledged is sent again.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan? RepeatInterval { get; set; }

    /// <summary>Maintenance windows ("Alerting:TimeIntervals") during which this route sends nothing.</summary>
    public List<string>? MuteTimeIntervals { get; set; }

    /// <summary>Windows outside of which this route sends nothing.</summary>
    public List<string>? ActiveTimeIntervals { get; set; }

    /// <summary>An alert still firing and unacknowledged this long after it was raised goes to <see cref="EscalateTo"/> too.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan? EscalateAfter { get; set; }

    public string? EscalateTo { get; set; }

    public List<AlertRoute> Routes { get; set; } = [];
}
