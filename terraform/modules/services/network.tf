locals {
  api_listener_port = var.api_certificate_arn == null ? 80 : 443
}

resource "aws_security_group" "alb" {
  name        = "${var.name_prefix}-api-alb"
  description = "Internal load balancer in front of the producer's admin API."
  vpc_id      = var.vpc_id
  tags        = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "alb_from_allowed" {
  for_each = toset(var.api_allowed_cidr_blocks)

  security_group_id = aws_security_group.alb.id
  description       = "Admin API clients"
  cidr_ipv4         = each.value
  ip_protocol       = "tcp"
  from_port         = local.api_listener_port
  to_port           = local.api_listener_port
}

resource "aws_vpc_security_group_egress_rule" "alb_to_producer" {
  security_group_id            = aws_security_group.alb.id
  description                  = "Forward to the producer tasks"
  referenced_security_group_id = aws_security_group.producer.id
  ip_protocol                  = "tcp"
  from_port                    = local.producer_port
  to_port                      = local.producer_port
}

resource "aws_security_group" "producer" {
  name        = "${var.name_prefix}-producer"
  description = "Producer tasks: reachable from the internal load balancer only."
  vpc_id      = var.vpc_id
  tags        = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "producer_from_alb" {
  security_group_id            = aws_security_group.producer.id
  description                  = "Admin API through the load balancer"
  referenced_security_group_id = aws_security_group.alb.id
  ip_protocol                  = "tcp"
  from_port                    = local.producer_port
  to_port                      = local.producer_port
}

resource "aws_security_group" "worker" {
  name        = "${var.name_prefix}-worker"
  description = "Worker tasks: no inbound traffic; they pull work from SQS."
  vpc_id      = var.vpc_id
  tags        = var.tags
}

# Both services call AWS APIs over HTTPS (through a NAT gateway or VPC endpoints) and read the source
# database; nothing else leaves the tasks.
resource "aws_vpc_security_group_egress_rule" "https" {
  for_each = {
    producer = aws_security_group.producer.id
    worker   = aws_security_group.worker.id
  }

  security_group_id = each.value
  description       = "AWS APIs over HTTPS"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_security_group_egress_rule" "source_db" {
  for_each = {
    for pair in setproduct(["producer", "worker"], var.source_db_cidr_blocks) : "${pair[0]}-${pair[1]}" => {
      security_group_id = pair[0] == "producer" ? aws_security_group.producer.id : aws_security_group.worker.id
      cidr              = pair[1]
    }
  }

  security_group_id = each.value.security_group_id
  description       = "Source database"
  cidr_ipv4         = each.value.cidr
  ip_protocol       = "tcp"
  from_port         = var.source_db_port
  to_port           = var.source_db_port
}

resource "aws_lb" "api" {
  name                       = "${var.name_prefix}-api"
  internal                   = true
  load_balancer_type         = "application"
  security_groups            = [aws_security_group.alb.id]
  subnets                    = var.subnet_ids
  drop_invalid_header_fields = true
  # A DLQ stats or redrive request answers when its walk is over (up to the producer's 2-minute
  # hold, after one other walk at most): the default 60 s gave such a request a 504 mid-walk.
  idle_timeout = 300
  tags         = var.tags
}

resource "aws_lb_target_group" "producer" {
  name                 = "${var.name_prefix}-api"
  port                 = local.producer_port
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = var.vpc_id
  deregistration_delay = 30

  health_check {
    path                = local.producer_health_path
    port                = "traffic-port"
    protocol            = "HTTP"
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  tags = var.tags
}

resource "aws_lb_listener" "https" {
  count = var.api_certificate_arn == null ? 0 : 1

  load_balancer_arn = aws_lb.api.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.api_certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.producer.arn
  }

  tags = var.tags
}

resource "aws_lb_listener" "http" {
  count = var.api_certificate_arn == null ? 1 : 0

  load_balancer_arn = aws_lb.api.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.producer.arn
  }

  tags = var.tags
}
