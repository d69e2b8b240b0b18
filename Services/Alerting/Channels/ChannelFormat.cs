namespace ConnectorHealth.Alerting.Channels;

/// <summary>What kind of receiver a channel is, and so how a notice is written and sent to it.</summary>
public enum ChannelFormat
{
    /// <summary>A webhook: the notice as JSON.</summary>
    Generic,

    /// <summary>A Slack incoming webhook.</summary>
    Slack,

    /// <summary>The PagerDuty Events API v2: one alert per group, triggered, acknowledged and resolved.</summary>
    PagerDuty,

    /// <summary>A Microsoft Teams workflow ("Post to a channel when a webhook request is received"): an Adaptive Card.</summary>
    Teams,

    /// <summary>E-mail over SMTP.</summary>
    Email,
}
