namespace ConnectorHealth.Alerting.Windows;

// One stretch of the day in a time interval, wall-clock "HH:mm" in the interval's Location: StartTime inclusive, EndTime
// exclusive ("24:00" ends at midnight), StartTime before EndTime. A stretch across midnight is written as two, one
// ending at 24:00 and one starting at 00:00 (in two intervals when their days differ).
public sealed class TimeRangeOptions
{
    public string StartTime { get; set; } = "";

    public string EndTime { get; set; } = "";
}
