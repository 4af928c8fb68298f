using Relay.Testing;

namespace Relay.Edge.Tests.Cluster;

/// <summary>Skips a test whose external server is missing, or fails it where CI requires the servers.</summary>
internal static class Servers
{
    public static void Require(params string[] names)
    {
        var missing = names.Where(n => ExternalServers.Find(n) is null).ToArray();
        if (missing.Length == 0)
        {
            return;
        }

        var reason = $"{string.Join(" and ", missing)} not on PATH (apt-get install -y redis-server nginx)";
        if (ExternalServers.Required)
        {
            Assert.Fail($"{reason}, and {ExternalServers.RequireVariable}=1 requires it");
        }

        Assert.Skip(reason);
    }
}
