namespace Relay.Testing;

/// <summary>
/// Servers the integration tests run from PATH (redis-server, nginx). Where one is missing the tests skip with
/// the reason, unless <see cref="RequireVariable"/> is set (CI installs them), where a missing one fails.
/// </summary>
public static class ExternalServers
{
    /// <summary>Set to 1 to make a missing server a failure instead of a skip.</summary>
    public const string RequireVariable = "REQUIRE_TEST_SERVERS";

    /// <summary>Whether missing servers must fail the run.</summary>
    public static bool Required => Environment.GetEnvironmentVariable(RequireVariable) == "1";

    /// <summary>Why a test that needs <paramref name="names"/> cannot run here, or null when they are all on PATH.</summary>
    public static string? Missing(params string[] names)
    {
        var missing = names.Where(n => Find(n) is null).ToArray();
        return missing.Length == 0 ? null : $"{string.Join(" and ", missing)} not on PATH (apt-get install -y redis-server nginx chromium)";
    }

    /// <summary>The full path of <paramref name="name"/> on PATH (or in /usr/sbin, where nginx lives), or null.</summary>
    public static string? Find(string name)
    {
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Append("/usr/sbin");
        return dirs.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
    }

    /// <summary>A loopback port free right now.</summary>
    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Completes once <c>GET health/ready</c> under <paramref name="root"/> answers 2xx (an edge is ready to serve).</summary>
    public static Task WaitReadyAsync(Uri root, TimeSpan timeout, CancellationToken cancellationToken) =>
        WaitAnswerAsync(root, status => (int)status is >= 200 and < 300, timeout, cancellationToken);

    /// <summary>Completes once <c>GET health/ready</c> under <paramref name="root"/> answers with a status <paramref name="ready"/> accepts.</summary>
    public static async Task WaitAnswerAsync(Uri root, Func<System.Net.HttpStatusCode, bool> ready, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = root };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            using (var response = await http.GetAsync("health/ready", deadline.Token))
            {
                if (ready(response.StatusCode))
                {
                    return;
                }
            }

            // Not ready yet (the upstream or Redis is being checked): ask again shortly, bounded by the deadline.
            await Task.Delay(20, deadline.Token);
        }
    }

    /// <summary>The repository's root (where Relay.slnx is), found above the running tests.</summary>
    public static string RepositoryRoot
    {
        get
        {
            var root = new DirectoryInfo(AppContext.BaseDirectory);
            while (root is not null && !File.Exists(Path.Combine(root.FullName, "Relay.slnx")))
            {
                root = root.Parent;
            }

            return root?.FullName ?? throw new InvalidOperationException("Relay.slnx not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>Completes once something accepts TCP connections on the port (the readiness signal of servers that print none).</summary>
    public static async Task WaitForPortAsync(int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            using var client = new System.Net.Sockets.TcpClient();
            try
            {
                await client.ConnectAsync(System.Net.IPAddress.Loopback, port, deadline.Token);
                return;
            }
            catch (System.Net.Sockets.SocketException)
            {
                // Not listening yet: retry shortly (a readiness probe, bounded by the deadline).
                await Task.Delay(20, deadline.Token);
            }
        }
    }
}
