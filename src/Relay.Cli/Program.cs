using Relay.Cli;

var console = CliConsole.FromSystem();
using var signals = new InterruptSignal();
var code = await new RelayApp(console, signals, TimeProvider.System).RunAsync(args, signals.Terminated);
return code;
