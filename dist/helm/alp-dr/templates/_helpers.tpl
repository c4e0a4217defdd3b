{{/*
The app.kubernetes.io/version label of an image reference: its tag, else "sha256-" and the
first 12 digits of its digest (as alp-deploy's versionLabel computes it).
*/}}
{{- define "alp.versionLabel" -}}
{{- $name := first (splitList "@" .) -}}
{{- $last := last (splitList "/" $name) -}}
{{- if contains ":" $last -}}
{{- last (splitList ":" $last) | trunc 63 -}}
{{- else -}}
{{- printf "sha256-%s" (last (splitList "@sha256:" .) | trunc 12) -}}
{{- end -}}
{{- end -}}
