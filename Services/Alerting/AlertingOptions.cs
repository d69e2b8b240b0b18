using System.ComponentModel.DataAnnotations;
using ConnectorHealth.Alerting.Channels;
using ConnectorHealth.Alerting.Routes;
using ConnectorHealth.Alerting.Thresholds;
using ConnectorHealth.Alerting.Windows;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Alerting;

// Settings of the Alerting service (configuration section Alerting).
public sealed class AlertingOptions
{
    public const string Section = "Alerting";

    // The rules' thresholds for every connector.
    [Required]
    [ValidateObjectMembers]
    public RuleThresholds Rules { get; set; } = new();

    // A connector's own thresholds, by connector name: only what is set differs from Rules.
    public Dictionary<string, RuleOverrides> Connectors { get; set; } = new(StringComparer.Ordinal);

    // Webhook channels by name. Their URLs are secrets: set them through Aspire parameters or the environment
    // (Alerting__Channels__ops__Url), never in a committed file.
    public Dictionary<string, ChannelOptions> Channels { get; set; } = new(StringComparer.Ordinal);

    // The routing tree: which channels each alert goes to, grouped how, muted when. Unset, every channel gets every alert
    // its own filters let through, each alert alone and at once.
    // Checked, all the way down, by AlertingEntriesValidator: the generated validator does not descend into a tree.
#pragma warning disable SYSLIB1212
    public AlertRoute? Route { get; set; }
#pragma warning restore SYSLIB1212

    // Maintenance windows by name, each a list of recurring time intervals (active when any is); routes refer to them.
    public Dictionary<string, List<TimeIntervalOptions>> TimeIntervals { get; set; } = new(StringComparer.Ordinal);

    // How long a rule's condition must hold clear before its alert resolves by itself.
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan ResolveAfter { get; set; } = TimeSpan.FromMinutes(5);

    // An alert whose fingerprint resolved FlapThreshold times within FlapWindow is flapping: its notifications are held.
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan FlapWindow { get; set; } = TimeSpan.FromHours(1);

    [Range(2, 100)]
    public int FlapThreshold { get; set; } = 3;

    // A firing alert nobody acknowledged is notified again after this long (a route's own RepeatInterval overrides it).
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan RepeatInterval { get; set; } = TimeSpan.FromHours(4);

    // How often freshness, hysteresis and repeats are evaluated for every connector (rules that must fire when no
    // message arrives at all).
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan EvaluationInterval { get; set; } = TimeSpan.FromSeconds(15);

    // Delivery: one attempt's timeout, and how many attempts (with backoff up to 10 minutes apart) before giving up.
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromSeconds(10);

    [Range(1, 1000)]
    public int MaxDeliveryAttempts { get; set; } = 60;

    // How long runs are kept for the rules (latency baselines, failure streaks) and as the ledger that makes a
    // redelivered run count once; the per-minute counts are kept for the longest burn-rate window.
    [Range(typeof(TimeSpan), "4.00:00:00", "3650.00:00:00")]
    public TimeSpan RunRetention { get; set; } = TimeSpan.FromDays(30);

    // The connector's thresholds: Rules, then its configured values, then those set through the API.
    public RuleThresholds ThresholdsFor(string connector, RuleOverrides? fromApi = null) =>
        Rules.WithOverrides(Connectors.TryGetValue(connector, out var overrides) ? overrides : null).WithOverrides(fromApi);
}
