using System.Globalization;

namespace Relay.Testing;

/// <summary>
/// A real nginx in front of some edges, configured as deploy/nginx.conf recommends for SSE (no buffering, HTTP/1.1
/// upstream keep-alive, long read timeout), with its own prefix, temp paths and port, in the foreground.
/// </summary>
public sealed class NginxServer : IAsyncDisposable
{
    private readonly string _directory;
    private readonly ServerProcess _process;

    private NginxServer(string directory, ServerProcess process, int port)
    {
        _directory = directory;
        _process = process;
        Url = new Uri($"http://127.0.0.1:{port}/");
    }

    public Uri Url { get; }

    /// <summary>The nginx process (with <c>allCores</c>, the master; its workers are its children).</summary>
    public int ProcessId => _process.Id;

    /// <summary>Starts nginx (one process) balancing round-robin over <paramref name="upstreams"/>; throws when nginx is not on PATH.</summary>
    public static Task<NginxServer> StartAsync(IEnumerable<Uri> upstreams, CancellationToken cancellationToken = default) =>
        StartAsync(upstreams, allCores: false, workerConnections: 4096, cancellationToken);

    /// <summary>Starts nginx balancing round-robin over <paramref name="upstreams"/>; throws when nginx is not on PATH.</summary>
    /// <param name="upstreams">The servers behind it.</param>
    /// <param name="allCores">A master and one worker per core (<c>worker_processes auto</c>), as nginx runs in production;
    /// otherwise one process, so a test has one pid to watch.</param>
    /// <param name="workerConnections">Connections per worker.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    public static async Task<NginxServer> StartAsync(IEnumerable<Uri> upstreams, bool allCores, int workerConnections, CancellationToken cancellationToken = default)
    {
        var executable = ExternalServers.Find("nginx") ?? throw new InvalidOperationException("nginx is not on PATH");
        var directory = Directory.CreateTempSubdirectory("relay-nginx-").FullName;
        var port = ExternalServers.FreePort();
        var servers = string.Concat(upstreams.Select(u => $"        server {u.Host}:{u.Port.ToString(CultureInfo.InvariantCulture)};\n"));
        var config = $$"""
            daemon off;
            master_process {{(allCores ? "on" : "off")}};
            worker_processes {{(allCores ? "auto" : "1")}};
            worker_rlimit_nofile {{(workerConnections * 2).ToString(CultureInfo.InvariantCulture)}};
            pid {{directory}}/nginx.pid;
            error_log {{directory}}/error.log warn;
            events { worker_connections {{workerConnections.ToString(CultureInfo.InvariantCulture)}}; }
            http {
                access_log off;
                client_body_temp_path {{directory}}/body;
                proxy_temp_path {{directory}}/proxy;
                fastcgi_temp_path {{directory}}/fastcgi;
                uwsgi_temp_path {{directory}}/uwsgi;
                scgi_temp_path {{directory}}/scgi;
                upstream relay_edges {
            {{servers}}        keepalive 32;
                }
                server {
                    listen 127.0.0.1:{{port.ToString(CultureInfo.InvariantCulture)}};
                    location / {
                        proxy_pass http://relay_edges;
                        proxy_http_version 1.1;
                        proxy_set_header Connection "";
                        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                        proxy_buffering off;
                        proxy_cache off;
                        proxy_read_timeout 1h;
                        gzip off;
                    }
                }
            }
            """;
        var file = Path.Combine(directory, "nginx.conf");
        await File.WriteAllTextAsync(file, config, cancellationToken);
        var process = ServerProcess.Start(executable, ["-p", directory, "-c", file]);
        var nginx = new NginxServer(directory, process, port);
        try
        {
            await ExternalServers.WaitForPortAsync(port, TimeSpan.FromSeconds(20), cancellationToken);
        }
        catch
        {
            await nginx.DisposeAsync();
            throw;
        }

        return nginx;
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
