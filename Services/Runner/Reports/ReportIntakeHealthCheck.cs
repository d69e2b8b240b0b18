using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Runner.Reports;

/// <summary>Degraded while a run report has waited longer than <see cref="RunnerOptions.ReportStuckAfter"/> to be stored.</summary>
public sealed class ReportIntakeHealthCheck(ReportIntake intake, IOptionsMonitor<RunnerOptions> options) : IHealthCheck
{
    public const string Name = "report-intake";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var (waiting, oldest) = intake.Current;
        return Task.FromResult(oldest > options.CurrentValue.ReportStuckAfter
            ? HealthCheckResult.Degraded($"{waiting} run reports wait to be stored, the oldest for {oldest.Value.TotalSeconds:0} s: "
                + "the database does not finish writing them")
            : HealthCheckResult.Healthy(waiting == 0 ? "No run report waits" : $"{waiting} run reports being stored"));
    }
}
