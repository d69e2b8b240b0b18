using ConnectorHealth.AppHost.Infrastructure;

namespace ConnectorHealth.UnitTests;

public class HostProbeTests
{
    [Fact]
    public void BinariesOnPathAreFoundThere()
    {
        var bin = Directory.CreateTempSubdirectory("probe").FullName;
        try
        {
            File.WriteAllText(Path.Combine(bin, "initdb"), "");
            File.WriteAllText(Path.Combine(bin, "postgres"), "");
            var probe = new HostProbe(name => name == "PATH" ? bin : null);

            Assert.Equal(new PostgresBinaries(bin), probe.FindPostgres());
        }
        finally
        {
            Directory.Delete(bin, recursive: true);
        }
    }

    [Fact]
    public void AContainerRuntimeThatIsNotInstalledDoesNotAnswer()
    {
        var probe = new HostProbe(name => name switch
        {
            "PATH" => "/nonexistent",
            "ASPIRE_CONTAINER_RUNTIME" => "podman",
            _ => null,
        });

        Assert.False(probe.ContainerRuntimeAnswers());
    }
}
