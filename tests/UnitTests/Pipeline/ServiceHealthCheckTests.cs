using ConnectorHealth.AppHost;
using ConnectorHealth.ServiceDefaults.Pipeline;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ConnectorHealth.UnitTests.Pipeline;

public sealed class ServiceHealthCheckTests
{
    [Fact]
    public void ADegradedServiceShowsDegradedWithTheReasonsOfItsChecks()
    {
        var health = new HealthResponse("Degraded", 1, [
            new HealthCheckEntry("self", "Healthy", null, ["live"]),
            new HealthCheckEntry("pipeline-dead-letters", "Degraded", "metrics-run-completed_error grew by 3", ["ready"]),
        ]);

        var result = ServiceHealthCheck.Judge(200, health);

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Equal("pipeline-dead-letters: metrics-run-completed_error grew by 3", result.Description);
    }

    [Fact]
    public void AHealthyServiceIsHealthyWithoutDescription()
    {
        var result = ServiceHealthCheck.Judge(200, new HealthResponse("Healthy", 1, [new HealthCheckEntry("self", "Healthy", null, [])]));

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Null(result.Description);
    }

    [Fact]
    public void AnErrorStatusCodeIsUnhealthyEvenWithoutAReport()
    {
        Assert.Equal(HealthStatus.Unhealthy, ServiceHealthCheck.Judge(503, null).Status);
        Assert.Equal(HealthStatus.Unhealthy, ServiceHealthCheck.Judge(500, new HealthResponse("Healthy", 1, [])).Status);
    }
}
