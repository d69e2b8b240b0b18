namespace ConnectorHealth.Alerting.Windows;

// What is wrong with one field of a TimeIntervalOptions; Member is its configuration path inside the interval
// ("Weekdays", "Times:1:StartTime").
internal sealed record TimeIntervalProblem(string Member, string Message)
{
    public override string ToString() => $"{Member}: {Message}";
}
