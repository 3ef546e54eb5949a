; Inno Setup script: a Windows installer from the one-folder PyInstaller bundle.
; Built by .github/workflows/release.yml, which passes every name from
; packaging/release_info.py: ISCC /DAppVersion=… /DAppName=… /DAppGuid=… /DOutputName=…
; Per-user install by default (no admin prompt); "Install for all users" is offered.

#ifndef AppVersion
  #error Pass /DAppVersion (packaging/release_info.py version)
#endif

[Setup]
AppId={#AppGuid}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher={#AppName}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
OutputDir=..\..\dist
OutputBaseFilename={#OutputName}
SetupIconFile=..\..\resources\icons\webhook-studio.ico
UninstallDisplayIcon={app}\webhook-studio.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ChangesAssociations=yes
LicenseFile=..\..\dist\webhook-studio\THIRD_PARTY_LICENSES

[Files]
Source: "..\..\dist\webhook-studio\*"; DestDir: "{app}"; Flags: recursesubdirs createallsubdirs ignoreversion

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\webhook-studio.exe"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\webhook-studio.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut"; Flags: unchecked
Name: "harassoc"; Description: "Open .har files with {#AppName}"

[Registry]
; "Open with Webhook Studio" for .har files imports them (webhook-studio open FILE).
Root: HKA; Subkey: "Software\Classes\.har\OpenWithProgids"; ValueType: string; ValueName: "WebhookStudio.har"; ValueData: ""; Flags: uninsdeletevalue; Tasks: harassoc
Root: HKA; Subkey: "Software\Classes\WebhookStudio.har"; ValueType: string; ValueName: ""; ValueData: "HTTP Archive"; Flags: uninsdeletekey; Tasks: harassoc
Root: HKA; Subkey: "Software\Classes\WebhookStudio.har\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\webhook-studio.exe,0"; Tasks: harassoc
Root: HKA; Subkey: "Software\Classes\WebhookStudio.har\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\webhook-studio.exe"" open ""%1"""; Tasks: harassoc

[Run]
Filename: "{app}\webhook-studio.exe"; Description: "Start {#AppName}"; Flags: nowait postinstall skipifsilent

; The user's data (%LOCALAPPDATA%\webhook-studio) is not part of the install and is kept on
; uninstall and upgrade, as on every platform.
