namespace ConnectorHealth.Runner.Reports;

public enum ReportOutcome
{
    Accepted,
    AlreadyAccepted,
    ConflictsWithEarlierReport,
}
