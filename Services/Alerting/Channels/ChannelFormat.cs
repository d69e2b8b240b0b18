namespace ConnectorHealth.Alerting.Channels;

public enum ChannelFormat
{
    /// <summary>The alert as JSON.</summary>
    Generic,

    /// <summary>A Slack incoming-webhook message.</summary>
    Slack,
}
