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

{{/*
A service's HPA minReplicas in a colour, from (list .Values "<colour>" "<service>"): the value
colors.<colour>.autoscaling.<service>.minReplicas; fails when it exceeds that colour's maxReplicas
(JSON Schema cannot compare two values, so the schema checks each alone).
*/}}
{{- define "alp.minReplicas" -}}
{{- $color := index . 1 -}}
{{- $service := index . 2 -}}
{{- $range := index (index . 0) "colors" $color "autoscaling" $service -}}
{{- $at := printf "colors.%s.autoscaling.%s" $color $service -}}
{{- if gt (int $range.minReplicas) (int $range.maxReplicas) -}}
{{- fail (printf "%s.minReplicas (%d) must not exceed %s.maxReplicas (%d); lower minReplicas or raise maxReplicas" $at (int $range.minReplicas) $at (int $range.maxReplicas)) -}}
{{- end -}}
{{- $range.minReplicas -}}
{{- end -}}
