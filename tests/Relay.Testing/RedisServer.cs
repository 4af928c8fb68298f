namespace Relay.Testing;

/// <summary>A real redis-server on a free loopback port, with no persistence, in a temporary directory.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string _executable;
    private readonly string _directory = Directory.CreateTempSubdirectory("relay-redis-").FullName;
    private ServerProcess? _process;

    private RedisServer(string executable, int port)
    {
        _executable = executable;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The address for RELAY_REDIS.</summary>
    public string Address => $"127.0.0.1:{Port}";

    /// <summary>Starts one; throws <see cref="InvalidOperationException"/> when redis-server is not on PATH.</summary>
    public static async Task<RedisServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var executable = ExternalServers.Find("redis-server") ?? throw new InvalidOperationException("redis-server is not on PATH");
        var server = new RedisServer(executable, ExternalServers.FreePort());
        await server.StartProcessAsync(cancellationToken);
        return server;
    }

    /// <summary>Stops it (SIGKILL: connections drop as in a crash).</summary>
    public async Task StopAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
            _process = null;
        }
    }

    /// <summary>Starts it again on the same port, empty.</summary>
    public Task RestartAsync(CancellationToken cancellationToken = default) => StartProcessAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task StartProcessAsync(CancellationToken cancellationToken)
    {
        string[] args = ["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", _directory, "--daemonize", "no"];
        _process = ServerProcess.Start(_executable, args, readyLine: "Ready to accept connections");
        await _process.Ready.WaitAsync(TimeSpan.FromSeconds(20), cancellationToken);
    }
}
