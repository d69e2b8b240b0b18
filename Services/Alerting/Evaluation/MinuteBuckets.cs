namespace ConnectorHealth.Alerting.Evaluation;

/// <summary>Runs are counted per connector and UTC minute (<c>alerting.connector_minutes</c>).</summary>
internal static class MinuteBuckets
{
    public static DateTimeOffset MinuteOf(DateTimeOffset instant)
    {
        var utc = instant.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, utc.Minute, 0, TimeSpan.Zero);
    }
}
