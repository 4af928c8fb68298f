using Relay.Testing;

namespace Relay.Edge.Tests.Cluster;

/// <summary>Skips a test whose external server is missing, or fails it where CI requires the servers.</summary>
internal static class Servers
{
    public static void Require(params string[] names)
    {
        if (ExternalServers.Missing(names) is not { } reason)
        {
            return;
        }

        if (ExternalServers.Required)
        {
            Assert.Fail($"{reason}, and {ExternalServers.RequireVariable}=1 requires it");
        }

        Assert.Skip(reason);
    }
}
