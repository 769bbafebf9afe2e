#requires -Version 7.0
<#
.SYNOPSIS
    Generates the synthetic IT-operations runbook corpus used by the BertAdapt demo.

.DESCRIPTION
    Builds short runbooks (restart a service, free disk space, renew a certificate,
    patch a host, ...) from hand-written sentence templates with slots. The output
    is fully deterministic: every random choice comes from a System.Random seeded
    with a fixed value, so running the script again gives byte-identical files.

    Slot values are paired consistently on purpose: a service always comes with its
    own restart command, status command, log location, port, configuration file and
    owning team. That recurring structure is what a small masked language model can
    learn during a short continued pre-training run.

    Output format: one sentence per line, one runbook per document, documents
    separated by a single blank line. Files are UTF-8 without BOM with LF endings.

.EXAMPLE
    dotnet pwsh -NoProfile -File examples/data/New-RunbookCorpus.ps1
#>
[CmdletBinding()]
param(
    [int]    $Seed             = 20261126,
    [int]    $Documents        = 600,
    [string] $OutFile          = (Join-Path $PSScriptRoot 'runbooks.txt'),
    [int]    $HeldOutSeed      = 7,
    [int]    $HeldOutDocuments = 60,
    [string] $HeldOutFile      = (Join-Path $PSScriptRoot 'runbooks-heldout.txt')
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

# ---------------------------------------------------------------------------
# Random helpers (all draws go through $script:Rng, never Get-Random)
# ---------------------------------------------------------------------------
$script:Rng = $null

function Get-One {
    param([object[]] $Items)
    $Items[$script:Rng.Next($Items.Count)]
}

function Test-Chance {
    param([double] $P)
    $script:Rng.NextDouble() -lt $P
}

function Get-Between {
    param([int] $Min, [int] $Max)   # inclusive
    $script:Rng.Next($Min, $Max + 1)
}

# Picks $Count distinct items and keeps them in their original order.
function Get-Some {
    param([object[]] $Items, [int] $Count)
    $idx = [int[]](0..($Items.Count - 1))
    for ($i = $idx.Count - 1; $i -gt 0; $i--) {
        $j = $script:Rng.Next($i + 1)
        $t = $idx[$i]; $idx[$i] = $idx[$j]; $idx[$j] = $t
    }
    $take = [Math]::Min($Count, $Items.Count)
    if ($take -le 0) { return @() }
    $chosen = $idx[0..($take - 1)] | Sort-Object
    foreach ($k in $chosen) { $Items[$k] }
}

# Replaces {slot} markers with values from the context. Slot values may hold
# slots themselves (for example a status command that names {pool}).
function Expand-Template {
    param([string] $Text, [hashtable] $Ctx)
    for ($pass = 0; $pass -lt 4 -and $Text -match '\{[A-Za-z]\w*\}'; $pass++) {
        $Text = [regex]::Replace($Text, '\{([A-Za-z]\w*)\}', {
                param($m)
                $key = $m.Groups[1].Value
                if (-not $Ctx.ContainsKey($key)) { throw "Template slot '{$key}' has no value." }
                [string]$Ctx[$key]
            })
    }
    if ($Text -match '\{[A-Za-z]\w*\}') { throw "Unresolved slot in: $Text" }
    $Text
}

# ---------------------------------------------------------------------------
# Fixed vocabulary
# ---------------------------------------------------------------------------
$Sites = @('ams', 'lon', 'fra', 'nyc', 'sgp', 'dub', 'par', 'sea')

$TeamChannel = @{
    'web platform team'         = '#web-platform'
    'database team'             = '#dba-oncall'
    'Linux infrastructure team' = '#linux-infra'
    'platform team'             = '#platform-oncall'
    'network team'              = '#netops'
    'messaging team'            = '#messaging-oncall'
    'end user services team'    = '#eus-support'
    'application support team'  = '#app-support'
    'identity team'             = '#identity-ops'
    'Windows server team'       = '#wintel'
}

# Each service keeps its own commands, paths and owner together.
$Services = @(
    @{
        key = 'nginx'; platform = 'linux'; display = 'nginx'; role = 'web'
        hostphrase = 'a Linux web server'; team = 'web platform team'
        unit = 'nginx'; restart = 'sudo systemctl restart nginx'; reload = 'sudo systemctl reload nginx'
        status = 'systemctl status nginx'; okstate = 'active (running)'
        log = '/var/log/nginx/error.log'; rotate = 'nginx'
        port = 443; proto = 'tcp'; config = '/etc/nginx/nginx.conf'; test = 'sudo nginx -t'
        health = 'curl -skI https://localhost/healthz'; healthok = 'an HTTP 200 status line'
        datadir = '/var/www'; cert = $true
    },
    @{
        key = 'postgresql'; platform = 'linux'; display = 'PostgreSQL'; role = 'db'
        hostphrase = 'a Linux database server'; team = 'database team'
        unit = 'postgresql'; restart = 'sudo systemctl restart postgresql'; reload = 'sudo systemctl reload postgresql'
        status = 'systemctl status postgresql@15-main'; okstate = 'active (running)'
        log = '/var/log/postgresql/postgresql-15-main.log'; rotate = 'postgresql-common'
        port = 5432; proto = 'tcp'; config = '/etc/postgresql/15/main/postgresql.conf'
        test = 'sudo -u postgres psql -c "SELECT sourcefile, error FROM pg_file_settings WHERE error IS NOT NULL"'
        health = 'pg_isready -h localhost -p 5432'; healthok = 'the answer accepting connections'
        datadir = '/var/lib/postgresql'; cert = $false
    },
    @{
        key = 'sshd'; platform = 'linux'; display = 'sshd'; role = 'bastion'
        hostphrase = 'a Linux bastion host'; team = 'Linux infrastructure team'
        unit = 'ssh'; restart = 'sudo systemctl restart ssh'; reload = 'sudo systemctl reload ssh'
        status = 'systemctl status ssh'; okstate = 'active (running)'
        log = '/var/log/auth.log'; rotate = 'rsyslog'
        port = 22; proto = 'tcp'; config = '/etc/ssh/sshd_config'; test = 'sudo sshd -t'
        health = 'ssh -o BatchMode=yes localhost true'; healthok = 'a clean exit without a password prompt'
        datadir = '/etc/ssh'; cert = $false
    },
    @{
        key = 'redis'; platform = 'linux'; display = 'Redis'; role = 'cache'
        hostphrase = 'a Linux cache node'; team = 'platform team'
        unit = 'redis-server'; restart = 'sudo systemctl restart redis-server'; reload = 'sudo systemctl restart redis-server'
        status = 'systemctl status redis-server'; okstate = 'active (running)'
        log = '/var/log/redis/redis-server.log'; rotate = 'redis-server'
        port = 6379; proto = 'tcp'; config = '/etc/redis/redis.conf'; test = ''
        health = 'redis-cli -p 6379 ping'; healthok = 'the reply PONG'
        datadir = '/var/lib/redis'; cert = $false
    },
    @{
        key = 'haproxy'; platform = 'linux'; display = 'HAProxy'; role = 'lb'
        hostphrase = 'a Linux load balancer'; team = 'network team'
        unit = 'haproxy'; restart = 'sudo systemctl restart haproxy'; reload = 'sudo systemctl reload haproxy'
        status = 'systemctl status haproxy'; okstate = 'active (running)'
        log = '/var/log/haproxy.log'; rotate = 'haproxy'
        port = 443; proto = 'tcp'; config = '/etc/haproxy/haproxy.cfg'; test = 'sudo haproxy -c -f /etc/haproxy/haproxy.cfg'
        health = 'curl -s http://localhost:8404/stats'; healthok = 'every backend listed as UP'
        datadir = '/etc/haproxy'; cert = $true
    },
    @{
        key = 'bind'; platform = 'linux'; display = 'the BIND name server'; role = 'ns'
        hostphrase = 'a Linux DNS server'; team = 'network team'
        unit = 'named'; restart = 'sudo systemctl restart named'; reload = 'sudo rndc reload'
        status = 'systemctl status named'; okstate = 'active (running)'
        log = '/var/log/named/default.log'; rotate = ''
        port = 53; proto = 'udp'; config = '/etc/bind/named.conf'; test = 'sudo named-checkconf'
        health = 'dig @127.0.0.1 corp.example.com SOA +short'; healthok = 'exactly one SOA record'
        datadir = '/var/cache/bind'; cert = $false
    },
    @{
        key = 'chrony'; platform = 'linux'; display = 'chrony'; role = 'app'
        hostphrase = 'a Linux application server'; team = 'Linux infrastructure team'
        unit = 'chrony'; restart = 'sudo systemctl restart chrony'; reload = 'sudo systemctl restart chrony'
        status = 'systemctl status chrony'; okstate = 'active (running)'
        log = '/var/log/chrony/tracking.log'; rotate = 'chrony'
        port = 123; proto = 'udp'; config = '/etc/chrony/chrony.conf'; test = ''
        health = 'chronyc tracking'; healthok = 'a system time offset well under 100 ms'
        datadir = '/var/lib/chrony'; cert = $false
    },
    @{
        key = 'rabbitmq'; platform = 'linux'; display = 'RabbitMQ'; role = 'mq'
        hostphrase = 'a Linux message broker'; team = 'messaging team'
        unit = 'rabbitmq-server'; restart = 'sudo systemctl restart rabbitmq-server'; reload = 'sudo systemctl restart rabbitmq-server'
        status = 'systemctl status rabbitmq-server'; okstate = 'active (running)'
        log = '/var/log/rabbitmq/rabbit@{host}.log'; rotate = 'rabbitmq-server'
        port = 5672; proto = 'tcp'; config = '/etc/rabbitmq/rabbitmq.conf'; test = ''
        health = 'sudo rabbitmq-diagnostics -q ping'; healthok = 'the line Ping succeeded'
        datadir = '/var/lib/rabbitmq'; cert = $false
    },
    @{
        key = 'spooler'; platform = 'windows'; display = 'the print spooler'; role = 'FS'
        hostphrase = 'a Windows file server'; team = 'end user services team'
        svcname = 'Spooler'; restart = 'Restart-Service -Name Spooler -Force'; reload = 'Restart-Service -Name Spooler -Force'
        status = 'Get-Service -Name Spooler'; okstate = 'Running'
        evlog = 'Microsoft-Windows-PrintService/Admin'; logfile = ''
        port = 445; proto = 'tcp'; config = ''; test = ''
        health = 'Get-Printer -ComputerName {host} | Select-Object Name, PrinterStatus'; healthok = 'Normal for every queue'
        cert = $false
    },
    @{
        key = 'iis'; platform = 'windows'; display = 'the {pool} app pool'; role = 'IIS'
        hostphrase = 'a Windows web server'; team = 'application support team'
        svcname = 'W3SVC'; restart = 'Restart-WebAppPool -Name {pool}'; reload = 'Restart-WebAppPool -Name {pool}'
        status = 'Get-WebAppPoolState -Name {pool}'; okstate = 'Started'
        evlog = 'System'; logfile = 'C:\inetpub\logs\LogFiles\W3SVC1'
        port = 443; proto = 'tcp'; config = 'C:\Windows\System32\inetsrv\config\applicationHost.config'; test = ''
        health = 'Invoke-WebRequest -Uri https://{site}/health -UseBasicParsing'; healthok = 'StatusCode 200'
        cert = $true
    },
    @{
        key = 'windns'; platform = 'windows'; display = 'the DNS Server service'; role = 'DC'
        hostphrase = 'a Windows domain controller'; team = 'identity team'
        svcname = 'DNS'; restart = 'Restart-Service -Name DNS'; reload = 'Restart-Service -Name DNS'
        status = 'Get-Service -Name DNS'; okstate = 'Running'
        evlog = 'DNS Server'; logfile = ''
        port = 53; proto = 'udp'; config = ''; test = ''
        health = 'Resolve-DnsName corp.example.com -Server {host} -Type SOA'; healthok = 'an SOA answer from {host}'
        cert = $false
    },
    @{
        key = 'w32time'; platform = 'windows'; display = 'the Windows Time service'; role = 'DC'
        hostphrase = 'a Windows domain controller'; team = 'identity team'
        svcname = 'W32Time'; restart = 'Restart-Service -Name W32Time'; reload = 'Restart-Service -Name W32Time'
        status = 'Get-Service -Name W32Time'; okstate = 'Running'
        evlog = 'System'; logfile = ''
        port = 123; proto = 'udp'; config = ''; test = ''
        health = 'w32tm /query /status'; healthok = 'a Last Successful Sync Time from the last hour'
        cert = $false
    },
    @{
        key = 'winrm'; platform = 'windows'; display = 'WinRM'; role = 'APP'
        hostphrase = 'a Windows application server'; team = 'Windows server team'
        svcname = 'WinRM'; restart = 'Restart-Service -Name WinRM'; reload = 'Restart-Service -Name WinRM'
        status = 'Get-Service -Name WinRM'; okstate = 'Running'
        evlog = 'Microsoft-Windows-WinRM/Operational'; logfile = ''
        port = 5985; proto = 'tcp'; config = ''; test = ''
        health = 'Test-WSMan -ComputerName {host}'; healthok = 'a reply that names the wsman protocol version'
        cert = $false
    },
    @{
        key = 'mssql'; platform = 'windows'; display = 'SQL Server'; role = 'SQL'
        hostphrase = 'a Windows database server'; team = 'database team'
        svcname = 'MSSQLSERVER'; restart = 'Restart-Service -Name MSSQLSERVER -Force'; reload = 'Restart-Service -Name MSSQLSERVER -Force'
        status = 'Get-Service -Name MSSQLSERVER'; okstate = 'Running'
        evlog = 'Application'; logfile = 'C:\Program Files\Microsoft SQL Server\MSSQL16.MSSQLSERVER\MSSQL\Log\ERRORLOG'
        port = 1433; proto = 'tcp'; config = ''; test = ''
        health = 'Invoke-Sqlcmd -ServerInstance {host} -Query "SELECT @@VERSION"'; healthok = 'one row with the version string'
        cert = $false
    }
)

# IIS app pools and the site each one serves.
$Pools = @(
    @{ pool = 'OrdersApi';       site = 'orders.corp.example.com' },
    @{ pool = 'CustomerPortal';  site = 'portal.corp.example.com' },
    @{ pool = 'ReportingSvc';    site = 'reports.corp.example.com' },
    @{ pool = 'IntranetHome';    site = 'intranet.corp.example.com' },
    @{ pool = 'BillingApi';      site = 'billing.corp.example.com' }
)
$LinuxSites = @('shop.example.com', 'api.example.net', 'status.example.org', 'www.example.com', 'auth.example.net', 'files.example.org')
$Printers   = @('3F-COLOR', '2F-MFP', 'GROUND-LABEL', '4F-PLOTTER', 'MAILROOM')
$Cas        = @('the internal ACME service', 'the corporate PKI team', 'the public CA through the certificate portal')

$LinuxMounts = @{
    web = @('/', '/var', '/var/log', '/var/www'); db = @('/', '/var/log', '/var/lib/postgresql')
    bastion = @('/', '/home', '/var/log'); cache = @('/', '/var/lib/redis', '/var/log')
    lb = @('/', '/var/log'); ns = @('/', '/var/log', '/var/cache/bind'); app = @('/', '/opt', '/var/log')
    mq = @('/', '/var/lib/rabbitmq', '/var/log')
}

# ---------------------------------------------------------------------------
# Sentence templates shared by several runbook kinds
# ---------------------------------------------------------------------------
$T = @{
    PreGeneric = @(
        'Open a ticket in the {queue} queue and write down its number, {ticket}, before you touch {host}.'
        'Check that nobody else from the {team} is already working on {host}.'
        'Post a short note in {channel} to say that work on {host} is starting.'
        'Look at the monitoring dashboard for {host} and note which alerts are firing right now.'
        'Confirm that {host} is not inside a maintenance window that belongs to another team.'
    )
    LoginLinux = @(
        'Log in to {host} with ssh {user}@{fqdn} from {bastion}.'
        'From {bastion}, open an SSH session to {fqdn} as {user}.'
    )
    LoginWindows = @(
        'Open a remote session with Enter-PSSession -ComputerName {fqdn} from the jump host {jump}.'
        'From {jump}, connect to {host} with Enter-PSSession -ComputerName {fqdn}.'
    )
    StatusLinux = @(
        'Run {status} and confirm that the unit shows {okstate}.'
        'Check the state of {display} with {status}; a healthy unit reports {okstate}.'
    )
    StatusWindows = @(
        'Run {status} and confirm that it returns {okstate}.'
        'Check the state of {display} with {status}; a healthy service reports {okstate}.'
    )
    StatusAfter = @(
        'Run {status} again and confirm that it now shows {okstate}.'
        'Check {status} once more; anything other than {okstate} means the restart did not help.'
    )
    LogsLinux = @(
        'Read the last {lines} lines of {log} with sudo tail -n {lines} {log} and look for errors from the last {minutes} minutes.'
        'Run sudo journalctl -u {unit} --since "{minutes} minutes ago" to see what the unit logged recently.'
        'Search {log} for errors with sudo grep -i error {log} | tail -n 20.'
    )
    LogsWindows = @(
        'Run Get-WinEvent -LogName "{evlog}" -MaxEvents {lines} and look for errors from {display} in the last {minutes} minutes.'
        'Read the {evlog} event log with Get-WinEvent -LogName "{evlog}" -MaxEvents {lines} and note any error or warning.'
    )
    LogFileWindows = @(
        'Read the newest entries in {logfile} and note any error written in the last {minutes} minutes.'
    )
    Restart = @(
        'Restart {display} with {restart}.'
        'Run {restart} and wait {secs} seconds before you check it again.'
        'If {display} is stuck, restart it with {restart}.'
    )
    ConfigTest = @(
        'Validate the configuration with {test} and stop if it reports an error.'
        'Before any restart, run {test} to make sure the configuration parses.'
    )
    PortLinux = @(
        'Confirm that something is listening on port {port} with sudo ss -{ssflag}lnp | grep :{port}.'
    )
    PortWindowsTcp = @(
        'Confirm that port {port} answers with Test-NetConnection -ComputerName {host} -Port {port}.'
    )
    PortWindowsUdp = @(
        'Confirm that the service holds UDP port {port} with Get-NetUDPEndpoint -LocalPort {port}.'
    )
    Health = @(
        'Run {health} and expect {healthok}.'
        'As a final health check, run {health}; the expected result is {healthok}.'
    )
    BackupLinux = @(
        'Make a copy of {config} with sudo cp {config} {config}.bak before you edit anything.'
    )
    BackupWindows = @(
        'Make a copy of {config} with Copy-Item {config} {config}.bak before you edit anything.'
    )
    Verify = @(
        'Verify that the alert for {host} clears on the dashboard within {minutes} minutes.'
        'Watch {host} for {minutes} minutes and make sure the alert does not come back.'
        'Write the commands you ran and their output into ticket {ticket}.'
        'Post in {channel} that {host} is healthy again and link ticket {ticket}.'
        'Close ticket {ticket} only after the service has been stable for {minutes} minutes.'
    )
    RollbackGeneric = @(
        'Rollback: if the service does not come back within {minutes} minutes, undo your last change and record it in ticket {ticket}.'
        'Rollback: if things get worse, stop, undo the last step, and ask for a second pair of eyes in {channel}.'
    )
    Escalation = @(
        'Escalation: if the problem is still there after {minutes} minutes, page the on-call engineer of the {team}.'
        'Escalation: if {host} does not recover, hand ticket {ticket} to the {team} in {channel} and attach what you collected.'
        'Do not restart {display} more than {n} times in one hour; after that, hand the case to the {team}.'
        'Escalation: for suspected data loss or a security incident, call the incident manager at once and make no further changes.'
        'Escalate to the {team} if the same alert fires again within {hours} hours.'
    )
}

# ---------------------------------------------------------------------------
# Context: one service, one host and a set of small numbers per runbook
# ---------------------------------------------------------------------------
function New-Context {
    param([hashtable] $Svc, [string] $Kind)
    $c = @{}
    foreach ($k in $Svc.Keys) { $c[$k] = $Svc[$k] }
    $site = Get-One $Sites
    $num  = '{0:D2}' -f (Get-Between 1 12)
    if ($Svc.platform -eq 'linux') {
        $c.host    = '{0}-{1}-{2}' -f $Svc.role, $site, $num
        $c.fqdn    = '{0}.ops.example.net' -f $c.host
        $c.user    = Get-One @('ops', 'admin', 'oncall')
        $c.bastion = 'bastion-{0}-01' -f $site
        $c.lb      = 'lb-{0}-01' -f $site
        $c.ssflag  = if ($Svc.proto -eq 'udp') { 'u' } else { 't' }
    }
    else {
        $c.host = '{0}-{1}-{2}' -f $Svc.role, $site.ToUpperInvariant(), $num
        $c.fqdn = '{0}.corp.example.com' -f $c.host.ToLowerInvariant()
        $c.jump = 'JUMP-{0}-01' -f $site.ToUpperInvariant()
        $c.drive = 'C'
    }
    $c.site_code = $site
    $c.channel  = $TeamChannel[$Svc.team]
    $incident   = $Kind -in @('notresponding', 'disk', 'cpu', 'dns', 'print')
    $c.queue    = if ($incident) { 'Incident' } else { 'Change' }
    $c.ticket   = '{0}-{1}' -f ($(if ($incident) { 'INC' } else { 'CHG' })), (Get-Between 10000 99999)
    $c.minutes  = Get-One @(5, 10, 15, 20, 30)
    $c.secs     = Get-One @(10, 15, 30, 60)
    $c.lines    = Get-One @(50, 100, 200, 500)
    $c.pct      = Get-One @(80, 85, 90, 95)
    $c.freepct  = Get-One @(10, 15, 20, 25)
    $c.days     = Get-One @(7, 14, 30)
    $c.certdays = Get-One @(14, 21, 30)
    $c.cpupct   = Get-One @(85, 90, 95)
    $c.n        = Get-One @(2, 3)
    $c.hours    = Get-One @(4, 12, 24)
    $c.ca       = Get-One $Cas
    if ($Svc.key -eq 'iis') {
        $p = Get-One $Pools
        $c.pool = $p.pool; $c.site = $p.site
    }
    else {
        $c.site = Get-One $LinuxSites
    }
    $c
}

# ---------------------------------------------------------------------------
# Runbook kinds. Each returns @{ title; core; rollback } with raw templates.
# ---------------------------------------------------------------------------
function Get-StatusTemplates([hashtable] $c) {
    if ($c.platform -eq 'linux') { $T.StatusLinux } else { $T.StatusWindows }
}
function Get-LogTemplate([hashtable] $c) {
    if ($c.platform -eq 'linux') { return (Get-One $T.LogsLinux) }
    if ($c.logfile -and (Test-Chance 0.5)) { return (Get-One $T.LogFileWindows) }
    Get-One $T.LogsWindows
}
function Get-PortTemplate([hashtable] $c) {
    if ($c.platform -eq 'linux') { return (Get-One $T.PortLinux) }
    if ($c.proto -eq 'udp') { Get-One $T.PortWindowsUdp } else { Get-One $T.PortWindowsTcp }
}

function Get-KindRestart([hashtable] $c) {
    $title = Get-One @('Runbook: restart {display} on {hostphrase}', 'Runbook: restart {display} on {host}')
    $core = [System.Collections.Generic.List[string]]::new()
    $core.Add((Get-One (Get-StatusTemplates $c)))
    $core.Add((Get-LogTemplate $c))
    if ($c.test -and (Test-Chance 0.6)) { $core.Add((Get-One $T.ConfigTest)) }
    $core.Add((Get-One $T.Restart))
    $core.Add((Get-One $T.StatusAfter))
    if (Test-Chance 0.5) { $core.Add((Get-PortTemplate $c)) }
    if (Test-Chance 0.7) { $core.Add((Get-One $T.Health)) }
    @{ title = $title; core = $core; rollback = @() }
}

function Get-KindNotResponding([hashtable] $c) {
    $title = Get-One @('Runbook: {display} is not responding on {host}', 'Runbook: {display} stopped answering on port {port}')
    $core = [System.Collections.Generic.List[string]]::new()
    $core.Add((Get-PortTemplate $c))
    $core.Add((Get-One (Get-StatusTemplates $c)))
    $core.Add((Get-LogTemplate $c))
    if ($c.platform -eq 'linux') {
        if (Test-Chance 0.5) { $core.Add('Run df -h to rule out a full disk, which often stops {display} from writing.') }
        if (Test-Chance 0.5) { $core.Add('Look for out of memory kills with sudo journalctl -k | grep -i "out of memory"; the kernel may have ended the process.') }
    }
    else {
        if (Test-Chance 0.5) { $core.Add('Run Get-Volume to rule out a full disk, which often stops {display} from writing.') }
        if (Test-Chance 0.5) { $core.Add('Check free memory with Get-Counter "\Memory\Available MBytes" and note the value in ticket {ticket}.') }
    }
    $core.Add((Get-One $T.Restart))
    $core.Add((Get-One $T.Health))
    @{ title = $title; core = $core; rollback = @() }
}

function Get-KindConfig([hashtable] $c) {
    $title = Get-One @('Runbook: apply a configuration change to {display} on {host}', 'Runbook: change {config} on {host}')
    $core = [System.Collections.Generic.List[string]]::new()
    if ($c.platform -eq 'linux') { $core.Add((Get-One $T.BackupLinux)) } else { $core.Add((Get-One $T.BackupWindows)) }
    $core.Add((Get-One @(
                'Edit {config} as described in ticket {ticket} and change only the lines that the ticket names.'
                'Apply the edit from ticket {ticket} to {config}; keep every other line as it is.')))
    if ($c.test) { $core.Add((Get-One $T.ConfigTest)) }
    elseif ($c.platform -eq 'linux') { $core.Add('Compare the edited file with the copy using diff {config}.bak {config} and check that only the intended lines changed.') }
    else { $core.Add('Compare the edited file with the copy using Compare-Object (Get-Content {config}.bak) (Get-Content {config}).') }
    $core.Add((Get-One @('Apply the change with {reload}.', 'Load the new settings with {reload}.')))
    $core.Add((Get-One (Get-StatusTemplates $c)))
    if (Test-Chance 0.6) { $core.Add((Get-One $T.Health)) }
    $rb = @('Rollback: if {display} fails to start, copy {config}.bak back over {config} and run {restart}.')
    @{ title = $title; core = $core; rollback = $rb }
}

function Get-KindDisk([hashtable] $c) {
    $core = [System.Collections.Generic.List[string]]::new()
    if ($c.platform -eq 'linux') {
        $c.mount = Get-One $LinuxMounts[$c.role]
        $title = Get-One @('Runbook: free disk space on {mount} of {host}', 'Runbook: {mount} is above {pct} percent full on {host}')
        $core.Add('Run df -h {mount} and note the Use% value.')
        $core.Add('Find the largest folders with sudo du -xh {mount} --max-depth=1 | sort -h | tail -n 10.')
        $middle = @(
            'Remove compressed logs older than {days} days with sudo find /var/log -name "*.gz" -mtime +{days} -delete.'
            'Shrink the systemd journal with sudo journalctl --vacuum-time={days}d.'
            'Clear the package cache with sudo apt-get clean.'
            'Do not delete anything under {datadir}; that data belongs to {display}.'
        )
        foreach ($m in (Get-Some $middle (Get-Between 2 4))) { $core.Add($m) }
        $core.Add('Run df -h {mount} again and confirm that usage is now below {pct} percent.')
    }
    else {
        $drives = if ($c.key -in @('mssql', 'iis', 'spooler')) { @('C', 'D', 'E') } else { @('C', 'D') }
        $c.drive = Get-One $drives
        $title = Get-One @('Runbook: free disk space on drive {drive}: of {host}', 'Runbook: drive {drive}: is almost full on {host}')
        $core.Add('Run Get-Volume -DriveLetter {drive} and note the SizeRemaining value.')
        $core.Add('Find the biggest files with Get-ChildItem {drive}:\ -Recurse -File -ErrorAction SilentlyContinue | Sort-Object Length -Descending | Select-Object -First 20 FullName, Length.')
        $middle = [System.Collections.Generic.List[string]]::new()
        if ($c.drive -eq 'C') {
            $middle.Add('Delete files older than {days} days from C:\Windows\Temp.')
            $middle.Add('Run cleanmgr /sagerun:1 to clear the standard cleanup categories.')
            $middle.Add('Shrink the component store with Dism.exe /Online /Cleanup-Image /StartComponentCleanup.')
        }
        else {
            $middle.Add('Move old exports and dumps from {drive}:\ to the archive share after the owner agrees in ticket {ticket}.')
        }
        if ($c.logfile) { $middle.Add('Remove log files older than {days} days from the folder of {logfile}, never the newest one.') }
        $middle.Add('Empty the recycle bin for all users with Clear-RecycleBin -DriveLetter {drive} -Force.')
        foreach ($m in (Get-Some $middle.ToArray() (Get-Between 2 3))) { $core.Add($m) }
        $core.Add('Run Get-Volume -DriveLetter {drive} again and confirm that more than {freepct} percent is free.')
    }
    @{ title = $title; core = $core; rollback = @() }
}

function Get-KindCert([hashtable] $c) {
    $title = Get-One @('Runbook: renew the TLS certificate for {site}', 'Runbook: the certificate for {site} expires in {certdays} days')
    $core = [System.Collections.Generic.List[string]]::new()
    if ($c.platform -eq 'linux') {
        if ($c.key -eq 'haproxy') { $c.certfile = '/etc/haproxy/certs/{site}.pem' }
        else { $c.certfile = '/etc/ssl/certs/{site}.crt'; $c.keyfile = '/etc/ssl/private/{site}.key' }
        $core.Add('Check the current expiry date with openssl x509 -enddate -noout -in {certfile}.')
        $core.Add('If fewer than {certdays} days are left, request a new certificate for {site} from {ca}.')
        $core.Add('Keep the old file: copy {certfile} to {certfile}.old before you replace it.')
        if ($c.key -eq 'haproxy') { $core.Add('Write the new {certfile}; HAProxy expects the certificate, the chain and the key in one PEM file.') }
        else { $core.Add('Put the new certificate in {certfile} and the key in {keyfile}, then run sudo chmod 600 {keyfile}.') }
        $core.Add((Get-One $T.ConfigTest))
        $core.Add('Load the new certificate with {reload}.')
        $core.Add('From another host, confirm the new expiry date with openssl s_client -connect {site}:443 -servername {site} | openssl x509 -noout -enddate.')
        $rb = @('Rollback: if clients report TLS errors, copy {certfile}.old back to {certfile} and run {reload}.')
    }
    else {
        $c.pfx = 'C:\certs\{site}.pfx'
        $core.Add('List the machine certificates with certutil -store My and find the one issued to {site}.')
        $core.Add('Check the expiry date with Get-ChildItem Cert:\LocalMachine\My | Where-Object Subject -like "*{site}*" | Select-Object Subject, NotAfter, Thumbprint.')
        $core.Add('If fewer than {certdays} days are left, request a new certificate for {site} from {ca}.')
        $core.Add('Import the new PFX file with certutil -importPFX {pfx} and note the new thumbprint.')
        $core.Add('In IIS Manager, edit the https binding of the site served by {pool} and select the new certificate.')
        $core.Add('Recycle the app pool with {restart}.')
        $core.Add('Run {health} and confirm {healthok} over the new certificate.')
        $rb = @('Rollback: if clients report TLS errors, select the old certificate in the https binding again; it stays in the store until you remove it.')
    }
    @{ title = $title; core = $core; rollback = $rb }
}

function Get-KindCpu([hashtable] $c) {
    $mem = Test-Chance 0.35
    if ($mem) { $title = 'Runbook: investigate low free memory on {host}' }
    else { $title = Get-One @('Runbook: investigate high CPU on {host}', 'Runbook: {host} reports CPU above {cpupct} percent') }
    $core = [System.Collections.Generic.List[string]]::new()
    $core.Add('Save the output of each command below in ticket {ticket} before you change anything.')
    if ($c.platform -eq 'linux') {
        if ($mem) {
            $core.Add('Check memory with free -m and note the available column.')
            $core.Add('List the largest processes with ps -eo pid,comm,%mem,rss --sort=-%mem | head.')
            $core.Add('Look for out of memory kills with sudo journalctl -k | grep -i "out of memory".')
        }
        else {
            $core.Add('Run top -b -n 1 | head -n 20 and note the processes with the highest CPU.')
            $core.Add('List the top consumers with ps -eo pid,comm,%cpu,%mem --sort=-%cpu | head.')
            $core.Add('Check the load average with uptime and compare it with the number of cores from nproc.')
        }
    }
    else {
        if ($mem) {
            $core.Add('Check free memory with Get-Counter "\Memory\Available MBytes".')
            $core.Add('List the largest processes with Get-Process | Sort-Object WorkingSet -Descending | Select-Object -First 10 Name, Id, WorkingSet.')
        }
        else {
            $core.Add('Read the total CPU load with Get-Counter "\Processor(_Total)\% Processor Time".')
            $core.Add('List the top consumers with Get-Process | Sort-Object CPU -Descending | Select-Object -First 10 Name, Id, CPU.')
        }
    }
    $core.Add((Get-LogTemplate $c))
    if ($mem) { $core.Add('If {display} holds most of the memory and keeps growing for {minutes} minutes, restart it with {restart}.') }
    else { $core.Add('If {display} has used more than {cpupct} percent CPU for {minutes} minutes, restart it with {restart}.') }
    $core.Add((Get-One (Get-StatusTemplates $c)))
    @{ title = $title; core = $core; rollback = @() }
}

function Get-KindPatch([hashtable] $c) {
    $title = Get-One @('Runbook: patch and reboot {host}', 'Runbook: install the monthly updates on {host}')
    $core = [System.Collections.Generic.List[string]]::new()
    if ($c.platform -eq 'linux') {
        if ($c.role -eq 'lb') { $core.Add('Move the virtual IP to the partner load balancer so that {host} carries no traffic before you start.') }
        else { $core.Add('Drain {host} from the pool on {lb} before you start.') }
        $core.Add('Refresh the package lists with sudo apt-get update.')
        if (Test-Chance 0.6) { $core.Add('List pending updates with apt list --upgradable and attach the list to ticket {ticket}.') }
        $core.Add('Install the updates with sudo apt-get upgrade -y.')
        $core.Add('Check whether a reboot is needed: the file /var/run/reboot-required exists when it is.')
        $core.Add('Reboot with sudo systemctl reboot and wait until {host} answers ping again.')
        $core.Add('After the reboot, run {status} and confirm that it shows {okstate}.')
        if ($c.role -eq 'lb') { $core.Add('Move the virtual IP back to {host} only when {health} gives {healthok}.') }
        else { $core.Add('Put {host} back into the pool on {lb} only when {health} gives {healthok}.') }
        $rb = @('Rollback: if {display} fails after the patch, boot the previous kernel from the GRUB menu and reopen ticket {ticket}.')
    }
    else {
        $core.Add('Move the workload off {host}, or confirm that the outage is approved in ticket {ticket}.')
        if (Test-Chance 0.6) { $core.Add('List the latest installed updates with Get-HotFix | Sort-Object InstalledOn -Descending | Select-Object -First 5.') }
        $core.Add('Install the approved updates from WSUS with sconfig or the Settings app.')
        $core.Add('Restart the server with Restart-Computer -Force and wait until Test-Connection {host} answers again.')
        $core.Add('After the restart, run {status} and confirm that it returns {okstate}.')
        $core.Add((Get-One $T.Health))
        $c.kb = Get-Between 5030000 5049999
        $rb = @('Rollback: if {display} fails after the patch, remove update KB{kb} with wusa /uninstall /kb:{kb} and reopen ticket {ticket}.')
    }
    @{ title = $title; core = $core; rollback = $rb }
}

function Get-KindDns([hashtable] $c) {
    # The DNS servers themselves belong to a fixed team per platform.
    if ($c.platform -eq 'linux') { $c.dnsteam = 'network team' } else { $c.dnsteam = 'identity team' }
    $c.dnschannel = $TeamChannel[$c.dnsteam]
    $c.target = Get-One @('db-{site_code}-01.ops.example.net', 'mq-{site_code}-02.ops.example.net', 'api.example.net', 'portal.corp.example.com', 'repo.ops.example.net')
    $c.dns1 = Get-One @('10.10.0.53', '10.20.0.53'); $c.dns2 = '10.30.0.53'
    $title = Get-One @('Runbook: fix name resolution on {host}', 'Runbook: {host} cannot resolve {target}')
    $core = [System.Collections.Generic.List[string]]::new()
    if ($c.platform -eq 'linux') {
        $core.Add('Test resolution with dig +short {target} and note whether an address comes back.')
        $core.Add('Query a known server directly with dig +short {target} @{dns1}.')
        $core.Add('Run resolvectl status and confirm that {dns1} and {dns2} are listed as DNS servers.')
        if (Test-Chance 0.5) { $core.Add('Check that /etc/resolv.conf points to 127.0.0.53, the local stub resolver.') }
        $core.Add('If the query against {dns1} works but the default lookup fails, flush the local cache with sudo resolvectl flush-caches.')
        $core.Add('Confirm with getent hosts {target} that the application path now resolves.')
    }
    else {
        $core.Add('Test resolution with Resolve-DnsName {target}.')
        $core.Add('Query a known server directly with Resolve-DnsName {target} -Server {dns1}.')
        $core.Add('Run ipconfig /all and check that {dns1} and {dns2} are the configured DNS servers.')
        $core.Add('Clear the client cache with Clear-DnsClientCache and try the lookup again.')
        if (Test-Chance 0.5) { $core.Add('Run ipconfig /registerdns if other hosts cannot find {host} either.') }
    }
    $core.Add('If {dns1} itself gives no answer, stop here and raise the case with the {dnsteam} in {dnschannel}.')
    @{ title = $title; core = $core; rollback = @() }
}

function Get-KindLogRotate([hashtable] $c) {
    $title = Get-One @('Runbook: rotate the logs of {display} on {host}', 'Runbook: {log} is too large on {host}')
    $core = [System.Collections.Generic.List[string]]::new()
    $core.Add('Check the size of {log} with ls -lh {log}.')
    $core.Add('Read the rules in /etc/logrotate.d/{rotate} and confirm the rotate count and the compress option.')
    $core.Add('Test the rules without changing anything with sudo logrotate -d /etc/logrotate.d/{rotate}.')
    $core.Add('Force a rotation with sudo logrotate -f /etc/logrotate.d/{rotate}.')
    $core.Add('Confirm that {log} is small again and that a compressed copy sits next to it.')
    if (Test-Chance 0.6) { $core.Add('Make sure {display} still writes to the new {log}; if it does not, run {reload}.') }
    @{ title = $title; core = $core; rollback = @() }
}

function Get-KindPrint([hashtable] $c) {
    $c.printer = '{0}-{1}' -f $c.site_code.ToUpperInvariant(), (Get-One $Printers)
    $title = Get-One @('Runbook: clear stuck print jobs on {host}', 'Runbook: the {printer} queue is stuck on {host}')
    $core = [System.Collections.Generic.List[string]]::new()
    $core.Add('List the queues and their state with Get-Printer -ComputerName {host} | Select-Object Name, PrinterStatus.')
    $core.Add('List the waiting jobs with Get-PrintJob -ComputerName {host} -PrinterName {printer}.')
    $core.Add('Stop the spooler with Stop-Service -Name Spooler -Force.')
    $core.Add('Delete the stuck files in C:\Windows\System32\spool\PRINTERS but leave the folder itself in place.')
    $core.Add('Start the spooler again with Start-Service -Name Spooler.')
    $core.Add((Get-One (Get-StatusTemplates $c)))
    $core.Add('Send a test page to {printer} and ask the user in ticket {ticket} to confirm that it printed.')
    @{ title = $title; core = $core; rollback = @() }
}

function Get-ApplicableKinds([hashtable] $Svc) {
    $k = [System.Collections.Generic.List[string]]::new()
    foreach ($x in @('restart', 'restart', 'notresponding', 'disk', 'cpu', 'patch', 'dns')) { $k.Add($x) }
    if ($Svc.config) { $k.Add('config') }
    if ($Svc.cert) { $k.Add('cert'); $k.Add('cert') }
    if ($Svc.platform -eq 'linux' -and $Svc.rotate) { $k.Add('logrotate') }
    if ($Svc.key -eq 'spooler') { $k.Add('print'); $k.Add('print') }
    $k.ToArray()
}

# ---------------------------------------------------------------------------
# One runbook document
# ---------------------------------------------------------------------------
function New-Runbook {
    $svc  = Get-One $Services
    $kind = Get-One (Get-ApplicableKinds $svc)
    $c    = New-Context -Svc $svc -Kind $kind
    $parts = switch ($kind) {
        'restart'       { Get-KindRestart $c }
        'notresponding' { Get-KindNotResponding $c }
        'config'        { Get-KindConfig $c }
        'disk'          { Get-KindDisk $c }
        'cert'          { Get-KindCert $c }
        'cpu'           { Get-KindCpu $c }
        'patch'         { Get-KindPatch $c }
        'dns'           { Get-KindDns $c }
        'logrotate'     { Get-KindLogRotate $c }
        'print'         { Get-KindPrint $c }
    }

    $lines = [System.Collections.Generic.List[string]]::new()
    $lines.Add($parts.title)

    # Preparation: a login step, sometimes preceded by one generic check.
    if (Test-Chance 0.6) { $lines.Add((Get-One $T.PreGeneric)) }
    if ($c.platform -eq 'linux') { $lines.Add((Get-One $T.LoginLinux)) } else { $lines.Add((Get-One $T.LoginWindows)) }

    foreach ($s in $parts.core) { $lines.Add($s) }

    # Verification, rollback and escalation tail; the body is capped at 14 sentences.
    $tail = [System.Collections.Generic.List[string]]::new()
    foreach ($v in (Get-Some $T.Verify (Get-Between 1 2))) { $tail.Add($v) }
    if ($parts.rollback.Count -gt 0) { $tail.Add((Get-One $parts.rollback)) }
    elseif (Test-Chance 0.5) { $tail.Add((Get-One $T.RollbackGeneric)) }
    $tail.Add((Get-One $T.Escalation))

    $room = 15 - $lines.Count          # title + 14 sentences at most
    if ($tail.Count -gt $room) {
        # Keep the escalation line and drop verification lines first.
        while ($tail.Count -gt $room -and $tail.Count -gt 1) { $tail.RemoveAt(0) }
    }
    foreach ($s in $tail) { $lines.Add($s) }
    if ($lines.Count - 1 -lt 6) { throw "Runbook too short ($($lines.Count - 1) sentences): $($parts.title)" }
    if ($lines.Count - 1 -gt 14) { throw "Runbook too long ($($lines.Count - 1) sentences): $($parts.title)" }

    foreach ($s in $lines) { Expand-Template -Text $s -Ctx $c }
}

function New-Corpus {
    param([int] $CorpusSeed, [int] $Count)
    $script:Rng = [System.Random]::new($CorpusSeed)
    $sb = [System.Text.StringBuilder]::new()
    for ($d = 0; $d -lt $Count; $d++) {
        if ($d -gt 0) { [void]$sb.Append("`n") }
        foreach ($line in (New-Runbook)) { [void]$sb.Append($line).Append("`n") }
    }
    $sb.ToString()
}

function Write-Corpus {
    param([string] $Path, [string] $Text)
    if ($Text -match '[^\x09\x0A\x20-\x7E]') { throw "Non-ASCII or control character in output for $Path" }
    $enc = [System.Text.UTF8Encoding]::new($false)
    [System.IO.File]::WriteAllText($Path, $Text, $enc)
    $docs = ([regex]::Matches($Text, '(?m)^Runbook: ')).Count
    $lineCount = ([regex]::Matches($Text, "`n")).Count
    Write-Host ('{0}: {1} documents, {2} lines, {3} bytes' -f $Path, $docs, $lineCount, $enc.GetByteCount($Text))
}

Write-Corpus -Path $OutFile     -Text (New-Corpus -CorpusSeed $Seed        -Count $Documents)
Write-Corpus -Path $HeldOutFile -Text (New-Corpus -CorpusSeed $HeldOutSeed -Count $HeldOutDocuments)
