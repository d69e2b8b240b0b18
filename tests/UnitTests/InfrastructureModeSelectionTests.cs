using ConnectorHealth.AppHost.Infrastructure;

namespace ConnectorHealth.UnitTests;

public class InfrastructureModeSelectionTests
{
    private sealed class FakeProbe(bool containers, bool postgres, bool rabbit) : IHostProbe
    {
        public int ContainerChecks { get; private set; }

        public bool ContainerRuntimeAnswers()
        {
            ContainerChecks++;
            return containers;
        }

        public PostgresBinaries? FindPostgres() => postgres ? new PostgresBinaries("/usr/lib/postgresql/15/bin") : null;

        public RabbitMQBinaries? FindRabbitMQ() => rabbit ? new RabbitMQBinaries("/usr/lib/rabbitmq/bin/rabbitmq-server", "/usr/bin/epmd") : null;
    }

    [Theory]
    [InlineData(null, InfrastructureMode.Auto)]
    [InlineData("", InfrastructureMode.Auto)]
    [InlineData("auto", InfrastructureMode.Auto)]
    [InlineData("Local", InfrastructureMode.Local)]
    [InlineData("CONTAINERS", InfrastructureMode.Containers)]
    [InlineData("external", InfrastructureMode.External)]
    public void ModeNamesParseWhateverTheirCase(string? value, InfrastructureMode expected) =>
        Assert.Equal(expected, InfrastructureModeSelector.Parse(value));

    [Theory]
    [InlineData("kubernetes")]
    [InlineData("2")]
    public void UnknownModeIsRejectedWithTheAllowedValues(string value)
    {
        var error = Assert.Throws<InfrastructureException>(() => InfrastructureModeSelector.Parse(value));
        Assert.Contains($"'{value}'", error.Message);
        Assert.Contains("auto, containers, local, external", error.Message);
    }

    [Fact]
    public void AutoPrefersContainersWhenARuntimeAnswers() =>
        Assert.Equal(InfrastructureMode.Containers,
            InfrastructureModeSelector.Resolve(InfrastructureMode.Auto, new FakeProbe(containers: true, postgres: true, rabbit: true)));

    [Fact]
    public void AutoFallsBackToLocalBinariesWithoutAContainerRuntime() =>
        Assert.Equal(InfrastructureMode.Local,
            InfrastructureModeSelector.Resolve(InfrastructureMode.Auto, new FakeProbe(containers: false, postgres: true, rabbit: true)));

    [Fact]
    public void AutoWithNothingAvailableNamesEverythingToInstall()
    {
        var error = Assert.Throws<InfrastructureException>(() =>
            InfrastructureModeSelector.Resolve(InfrastructureMode.Auto, new FakeProbe(containers: false, postgres: false, rabbit: false)));

        Assert.Contains("No container runtime answers", error.Message);
        Assert.Contains("apt-get install postgresql", error.Message);
        Assert.Contains("apt-get install rabbitmq-server", error.Message);
        Assert.Contains("Infrastructure:Mode=external", error.Message);
    }

    [Fact]
    public void AutoWithOnlyRabbitMQMissingNamesOnlyRabbitMQ()
    {
        var error = Assert.Throws<InfrastructureException>(() =>
            InfrastructureModeSelector.Resolve(InfrastructureMode.Auto, new FakeProbe(containers: false, postgres: true, rabbit: false)));

        Assert.Contains("apt-get install rabbitmq-server", error.Message);
        Assert.DoesNotContain("apt-get install postgresql", error.Message);
        Assert.Contains(" was not found", error.Message);
    }

    [Fact]
    public void LocalModeNeverAsksForAContainerRuntime()
    {
        var probe = new FakeProbe(containers: true, postgres: true, rabbit: true);

        Assert.Equal(InfrastructureMode.Local, InfrastructureModeSelector.Resolve(InfrastructureMode.Local, probe));
        Assert.Equal(0, probe.ContainerChecks);
    }

    [Fact]
    public void LocalModeWithoutPostgresSaysWhatToInstall()
    {
        var error = Assert.Throws<InfrastructureException>(() =>
            InfrastructureModeSelector.Resolve(InfrastructureMode.Local, new FakeProbe(containers: true, postgres: false, rabbit: true)));

        Assert.StartsWith("Infrastructure:Mode is 'local'", error.Message);
        Assert.Contains("apt-get install postgresql", error.Message);
    }

    [Theory]
    [InlineData(InfrastructureMode.Containers)]
    [InlineData(InfrastructureMode.External)]
    public void ExplicitContainersOrExternalIsTakenAsIs(InfrastructureMode mode) =>
        Assert.Equal(mode, InfrastructureModeSelector.Resolve(mode, new FakeProbe(containers: false, postgres: false, rabbit: false)));
}
