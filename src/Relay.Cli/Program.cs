using Relay.Cli;

var console = CliConsole.FromSystem();
using var interrupt = new InterruptSignal();
return await new RelayApp(console, interrupt, TimeProvider.System).RunAsync(args, CancellationToken.None);
