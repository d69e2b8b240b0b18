using ConnectorHealth.AppHost;
using ConnectorHealth.ServiceDefaults;
using HealthChecks.UI.Client;
using HealthChecks.UI.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ConnectorHealth.UnitTests.Pipeline;

public sealed class ServiceHealthCheckTests
{
    [Fact]
    public void ADegradedServiceShowsDegradedWithTheReasonsOfItsChecks()
    {
        var health = Report(
            ("self", HealthStatus.Healthy, null, ["live"]),
            ("pipeline-dead-letters", HealthStatus.Degraded, "metrics-run-completed_error grew by 3", ["ready"]));

        var result = ServiceHealthCheck.Judge(200, health);

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Equal("pipeline-dead-letters: metrics-run-completed_error grew by 3", result.Description);
    }

    [Fact]
    public void AHealthyServiceIsHealthyWithoutDescription()
    {
        var result = ServiceHealthCheck.Judge(200, Report(("self", HealthStatus.Healthy, null, [])));

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Null(result.Description);
    }

    [Fact]
    public void AnErrorStatusCodeIsUnhealthyEvenWithoutAReport()
    {
        Assert.Equal(HealthStatus.Unhealthy, ServiceHealthCheck.Judge(503, null).Status);
        Assert.Equal(HealthStatus.Unhealthy, ServiceHealthCheck.Judge(500, Report()).Status);
    }

    [Fact]
    public async Task WhatTheHealthWriterWritesReadsBackWithEachCheckStatusAndReason()
    {
        var report = new HealthReport(new Dictionary<string, HealthReportEntry>
        {
            ["self"] = new(HealthStatus.Healthy, null, TimeSpan.FromMilliseconds(1), null, null, ["live"]),
            ["pipeline-consumers"] = new(HealthStatus.Degraded, "metrics-run-completed has no consumer", TimeSpan.Zero, null, null, ["ready"]),
            ["database"] = new(HealthStatus.Unhealthy, null, TimeSpan.Zero, new InvalidOperationException("refused"), null, ["ready"]),
        }, TimeSpan.FromMilliseconds(3));
        var context = new DefaultHttpContext();
        using var body = new MemoryStream();
        context.Response.Body = body;

        await UIResponseWriter.WriteHealthCheckUIResponse(context, report);
        using var content = new ByteArrayContent(body.ToArray());
        content.Headers.ContentType = new(context.Response.ContentType!);
        var health = await HealthReportJson.ReadAsync(content);

        Assert.NotNull(health);
        Assert.Equal(UIHealthStatus.Unhealthy, health.Status);
        var result = ServiceHealthCheck.Judge(503, health);
        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal("pipeline-consumers: metrics-run-completed has no consumer; database: refused", result.Description);
    }

    private static UIHealthReport Report(params (string Name, HealthStatus Status, string? Description, string[] Tags)[] checks) =>
        UIHealthReport.CreateFrom(new HealthReport(
            checks.ToDictionary(c => c.Name, c => new HealthReportEntry(c.Status, c.Description, TimeSpan.Zero, null, null, c.Tags)),
            TimeSpan.FromMilliseconds(1)));
}
